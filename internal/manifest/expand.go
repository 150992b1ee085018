package manifest

import (
	"slices"
	"strings"
)

// ExpandEnv replaces ${VAR} in s with lookup's value; an unset variable
// becomes the empty string. Like compose files, it also knows
// ${VAR:-default} (default when unset or empty), ${VAR-default} (default
// when unset) and $$ for a literal $. Only the braced form expands
// (docs/design.md): $VAR and anything else after a $ is kept as written, so that
// a password like Pa$sw0rd! survives.
func ExpandEnv(s string, lookup func(string) (string, bool)) string {
	if !strings.Contains(s, "$") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] != '$' || i+1 == len(s) {
			b.WriteByte(s[i])
			i++
			continue
		}
		switch c := s[i+1]; {
		case c == '$':
			b.WriteByte('$')
			i += 2
		case c == '{':
			end := strings.IndexByte(s[i+2:], '}')
			if end < 0 {
				b.WriteString(s[i:])
				return b.String()
			}
			expr := s[i+2 : i+2+end]
			if v, ok := expandBraced(expr, lookup); ok {
				b.WriteString(v)
			} else {
				b.WriteString(s[i : i+3+end])
			}
			i += 3 + end
		default:
			b.WriteByte('$')
			i++
		}
	}
	return b.String()
}

// expandBraced expands what is between ${ and }; ok is false when it is not
// a variable name, optionally followed by :-default or -default.
func expandBraced(expr string, lookup func(string) (string, bool)) (string, bool) {
	n := 0
	for n < len(expr) && (isNameChar(expr[n]) && (n > 0 || isNameStart(expr[n]))) {
		n++
	}
	if n == 0 {
		return "", false
	}
	name, rest := expr[:n], expr[n:]
	v, set := lookup(name)
	switch {
	case rest == "":
		return v, true
	case strings.HasPrefix(rest, ":-"):
		if !set || v == "" {
			return rest[2:], true
		}
		return v, true
	case strings.HasPrefix(rest, "-"):
		if !set {
			return rest[1:], true
		}
		return v, true
	}
	return "", false
}

func isNameStart(c byte) bool {
	return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

func isNameChar(c byte) bool {
	return isNameStart(c) || '0' <= c && c <= '9'
}

// EnvReferences lists, once each and in order, the variables s names as
// ${VAR} with no default: those whose being unset empties part of the value.
func EnvReferences(s string) []string {
	var names []string
	for i := 0; i+1 < len(s); i++ {
		if s[i] != '$' {
			continue
		}
		if s[i+1] == '$' {
			i++ // $$ is a literal $, and what follows it is text
			continue
		}
		if s[i+1] != '{' {
			continue
		}
		end := strings.IndexByte(s[i+2:], '}')
		if end < 0 {
			break
		}
		name := s[i+2 : i+2+end]
		if isName(name) && !slices.Contains(names, name) {
			names = append(names, name)
		}
		i += 2 + end
	}
	return names
}

func isName(s string) bool {
	if s == "" || !isNameStart(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isNameChar(s[i]) {
			return false
		}
	}
	return true
}
