package manifest

import (
	"fmt"
	"regexp"
	"strings"
)

// envName is what a variable name in an env_file may be.
var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.-]*$`)

// EnvLineError is a line of an env_file that is not KEY=VALUE. It names the
// line and, when the line starts with one, the variable; never the rest of
// the line, which may be a password written without its =.
type EnvLineError struct {
	Line int
	Key  string // empty when the line does not start with a name
}

func (e *EnvLineError) Error() string {
	if e.Key == "" {
		return fmt.Sprintf("line %d is not KEY=VALUE: start it with a variable name and =, or comment it out with #", e.Line)
	}
	return fmt.Sprintf("line %d, %s: no = after the name: write %s=VALUE, or comment the line out with #", e.Line, e.Key, e.Key)
}

// ParseEnvFile reads KEY=VALUE lines, as docker compose's env_file does:
// blank lines and # comments are skipped, `export ` before a key is
// allowed, matching quotes around a value are stripped, and an unquoted
// value ends at a # that follows a space. A bare KEY (no =) passes the
// variable through from the layers below, so it sets nothing here. Values
// are taken literally: no ${VAR} expansion. A bad line is an *EnvLineError.
func ParseEnvFile(text string) ([][2]string, error) {
	var pairs [][2]string
	for i, line := range strings.Split(strings.TrimPrefix(text, "\ufeff"), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		k, v, hasValue := strings.Cut(line, "=")
		k = strings.TrimSpace(k)
		if !envName.MatchString(k) {
			return nil, &EnvLineError{Line: i + 1, Key: leadingName(line)}
		}
		if !hasValue {
			continue
		}
		pairs = append(pairs, [2]string{k, envValue(strings.TrimSpace(v))})
	}
	return pairs, nil
}

// leadingName is the variable name a bad line starts with, followed by a
// space ("DB_PASSWORD hunter2"), or "".
func leadingName(line string) string {
	name, _, ok := strings.Cut(line, " ")
	if !ok {
		name, _, ok = strings.Cut(line, "\t")
	}
	if ok && envName.MatchString(name) {
		return name
	}
	return ""
}

// envValue strips a value's quotes, or an unquoted value's trailing
// comment. In double quotes, \n, \" and \\ are escapes, as in compose.
func envValue(v string) string {
	if v == "" || (v[0] != '"' && v[0] != '\'') {
		if i := strings.Index(v, " #"); i >= 0 {
			v = strings.TrimSpace(v[:i])
		}
		return v
	}
	q := v[0]
	var b strings.Builder
	for i := 1; i < len(v); i++ {
		c := v[i]
		switch {
		case c == q:
			return b.String() // what follows the closing quote is a comment
		case q == '"' && c == '\\' && i+1 < len(v):
			i++
			switch v[i] {
			case 'n':
				b.WriteByte('\n')
			case '"', '\\':
				b.WriteByte(v[i])
			default:
				b.WriteByte('\\')
				b.WriteByte(v[i])
			}
		default:
			b.WriteByte(c)
		}
	}
	return v // no closing quote: take it as written
}
