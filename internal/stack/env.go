package stack

import (
	"fmt"

	"github.com/crispify/crispify/internal/manifest"
	"github.com/crispify/crispify/internal/workers"
)

// env composes the environment of s's setup and worker.
func (a *apply) env(s *manifest.Service) ([]string, error) {
	return serviceEnv(a.base, a.builtins, s)
}

// serviceEnv composes the environment of a service's setup and worker:
// base (the user's), the built-ins, its env_file, its env.
func serviceEnv(base []string, builtins map[string]string, s *manifest.Service) ([]string, error) {
	env, err := workers.ServiceEnvironment(base, builtins, s) // env_file confined to the repo
	if err != nil {
		return nil, fmt.Errorf("environment of service %s: %w", s.Name, err)
	}
	return env, nil
}

// builtinsOf are the variables every service gets, for ${VAR} too.
func builtinsOf(m *manifest.Manifest, host string) map[string]string {
	return map[string]string{"CRISPIFY_HOST": host, "CRISPIFY_PROJECT": m.Project, "CRISPIFY_WORKSPACE": m.WorkspaceDir}
}
