package manifest

import (
	"maps"
	"os"
	"slices"
)

// isBuiltin tells the variables crispify sets for every worker and setup,
// which ${VAR} in env may use.
func isBuiltin(name string) bool {
	switch name {
	case "CRISPIFY_HOST", "CRISPIFY_PROJECT", "CRISPIFY_WORKSPACE":
		return true
	}
	return false
}

// checkEnvRefs warns about every ${VAR} in a service's env or ready.http
// that nothing sets (crispify's environment, a built-in, the env_file): it
// expands to nothing, which is allowed, and is most often a typo or a
// forgotten export.
func checkEnvRefs(l *loader, m *Manifest) {
	lookup := l.opts.LookupEnv
	if lookup == nil {
		lookup = os.LookupEnv
	}
	for _, name := range m.ServiceNames() {
		s := m.Services[name]
		p := join("services", name)
		fromFile := envFileKeys(s)
		set := func(v string) bool {
			if _, ok := lookup(v); ok {
				return true
			}
			return isBuiltin(v) || fromFile[v]
		}
		where := "crispify's environment"
		if s.EnvFile != "" {
			where += " and env_file " + s.EnvFile
		}
		check := func(path, value string) {
			for _, v := range EnvReferences(value) {
				if !set(v) {
					l.warn(l.at(path), "%s: ${%s} is set neither in %s nor by crispify: it expands to an empty string; export it, or write $${%s} for a literal $",
						path, v, where, v)
				}
			}
		}
		for _, k := range slices.Sorted(maps.Keys(s.Env)) {
			check(join(p+".env", k), s.Env[k])
		}
		if s.Ready != nil && s.Ready.HTTP != "" {
			check(p+".ready.http", s.Ready.HTTP)
		}
	}
}

// envFileKeys are the variables a service's env_file sets, when it is
// cloned and its env_file can be read; nil otherwise (it is checked when
// the worker starts).
func envFileKeys(s *Service) map[string]bool {
	if s.EnvFile == "" || s.Dir == "" {
		return nil
	}
	real, err := InRepo(s.Dir, s.EnvFile)
	if err != nil {
		return nil
	}
	b, err := ReadRegular(real, 1<<20)
	if err != nil {
		return nil
	}
	pairs, _ := ParseEnvFile(string(b))
	keys := map[string]bool{}
	for _, kv := range pairs {
		keys[kv[0]] = true
	}
	return keys
}
