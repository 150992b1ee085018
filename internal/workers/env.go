package workers

import (
	"fmt"
	"os"
	"regexp"
	"runtime"
	"sort"
	"strings"

	"github.com/crispify/crispify/internal/manifest"
)

// Environment composes a worker's or setup's environment, each layer over
// the one before: base (the user's environment), then builtins
// (CRISPIFY_HOST, CRISPIFY_PROJECT, CRISPIFY_WORKSPACE), then the KEY=VALUE
// lines of envFile (absolute; "" for none), then the manifest's env, whose
// values expand ${VAR} from the three layers below it, never from each
// other, so that their order does not matter.
//
// A missing envFile is an error naming the file; the caller adds the
// service: fmt.Errorf("service %s: %w", name, err).
func Environment(base []string, builtins map[string]string, envFile string, env map[string]string) ([]string, error) {
	var e environ
	for _, kv := range base {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		if k == "" {
			// Windows keeps per-drive folders as "=C:=C:\dir": pass them on.
			e.set(kv, "")
			continue
		}
		e.set(k, v)
	}
	for _, k := range sortedKeys(builtins) {
		e.set(k, builtins[k])
	}
	if envFile != "" {
		pairs, err := readEnvFile(envFile)
		if err != nil {
			return nil, err
		}
		for _, p := range pairs {
			e.set(p[0], p[1])
		}
	}
	lookup := e.snapshot()
	for _, k := range sortedKeys(env) {
		e.set(k, manifest.ExpandEnv(env[k], lookup))
	}
	return e.list(), nil
}

// environ is an ordered set of variables: a variable set again keeps its
// place, so the result reads like the user's environment plus additions.
type environ struct {
	keys []string
	vals map[string]string // by envKey
}

// envKey folds case on windows, where Path and PATH are one variable.
func envKey(k string) string {
	if runtime.GOOS == "windows" {
		return strings.ToUpper(k)
	}
	return k
}

func (e *environ) set(k, v string) {
	if e.vals == nil {
		e.vals = map[string]string{}
	}
	if _, ok := e.vals[envKey(k)]; !ok {
		e.keys = append(e.keys, k)
	}
	e.vals[envKey(k)] = v
}

// snapshot returns a lookup of the variables as they are now.
func (e *environ) snapshot() func(string) (string, bool) {
	vals := make(map[string]string, len(e.vals))
	for k, v := range e.vals {
		vals[k] = v
	}
	return func(k string) (string, bool) {
		v, ok := vals[envKey(k)]
		return v, ok
	}
}

func (e *environ) list() []string {
	out := make([]string, 0, len(e.keys))
	for _, k := range e.keys {
		if strings.HasPrefix(k, "=") {
			out = append(out, k)
			continue
		}
		out = append(out, k+"="+e.vals[envKey(k)])
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// envName is what a variable name in an env_file may be.
var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.-]*$`)

// readEnvFile reads KEY=VALUE lines, as docker compose's env_file does:
// blank lines and # comments are skipped, `export ` before a key is
// allowed, matching quotes around a value are stripped, and an unquoted
// value ends at a # that follows a space. A bare KEY (no =) passes the
// variable through from the layers below, so it sets nothing here. Values
// are taken literally: no ${VAR} expansion.
func readEnvFile(path string) ([][2]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read env_file: %w: create it, or remove env_file from the service", err)
	}
	var pairs [][2]string
	for i, line := range strings.Split(strings.TrimPrefix(string(b), "\ufeff"), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		k, v, hasValue := strings.Cut(line, "=")
		k = strings.TrimSpace(k)
		if !envName.MatchString(k) {
			return nil, fmt.Errorf("env_file %s:%d: %q is not KEY=VALUE: fix the line or comment it out with #", path, i+1, line)
		}
		if !hasValue {
			continue
		}
		pairs = append(pairs, [2]string{k, envValue(strings.TrimSpace(v))})
	}
	return pairs, nil
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
