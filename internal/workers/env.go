package workers

import (
	"fmt"
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

// maxEnvFile caps an env_file: a file of settings, not a data set.
const maxEnvFile = 1 << 20

// ServiceEnvironment is Environment for a service of the manifest: its
// env_file is read only if it is inside the service's repo, through any
// symlink, and a regular file.
func ServiceEnvironment(base []string, builtins map[string]string, s *manifest.Service) ([]string, error) {
	envFile := ""
	if s.EnvFile != "" {
		real, err := manifest.InRepo(s.Dir, s.EnvFile)
		if err != nil {
			return nil, fmt.Errorf("read env_file %s: %w: it must be a file inside the repo", s.EnvFile, err)
		}
		envFile = real
	}
	return Environment(base, builtins, envFile, s.Env)
}

// readEnvFile reads and parses an env_file (manifest.ParseEnvFile). A bad
// line is reported by file, line and variable name, never by its text.
func readEnvFile(path string) ([][2]string, error) {
	b, err := manifest.ReadRegular(path, maxEnvFile)
	if err != nil {
		return nil, fmt.Errorf("read env_file: %w: create it, or remove env_file from the service", err)
	}
	pairs, err := manifest.ParseEnvFile(string(b))
	if err != nil {
		return nil, fmt.Errorf("env_file %s, %w", path, err)
	}
	return pairs, nil
}
