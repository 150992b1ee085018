package stack

import (
	"context"
	"fmt"
	"os"

	"github.com/crispify/crispify/internal/manifest"
	"github.com/crispify/crispify/internal/toolchain"
)

// toolChecks lists every service whose node, go, ruby or python is missing
// or of the wrong version on its worker's PATH, in the words a boot fails
// it with, and counts those that have what they ask for.
func toolChecks(ctx context.Context, m *manifest.Manifest) []Check {
	var names []string
	for _, name := range m.ServiceNames() {
		if s := m.Services[name]; s.Run != "" || len(s.Setup) > 0 {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return nil
	}
	results := toolchain.CheckAll(ctx, m, names, workerEnv(m))
	var out []Check
	bad, asked := map[string]bool{}, map[string]bool{}
	for _, r := range results {
		asked[r.Service] = true
		switch {
		case r.Problem():
			bad[r.Service] = true
			out = append(out, Check{Name: "tools", Detail: r.String()})
		case r.Status == toolchain.Unchecked:
			out = append(out, Check{Name: "tools", Detail: r.String(), OK: true, Note: true})
		}
	}
	summary := fmt.Sprintf("%d of %d services have the node, go, ruby and python they ask for", len(names)-len(bad), len(names))
	if len(bad) == 0 {
		summary = fmt.Sprintf("all %d services have the node, go, ruby and python they ask for", len(names))
	}
	var uncloned int
	for _, name := range names {
		if _, err := os.Stat(m.Services[name].Dir); err != nil {
			uncloned++
		}
	}
	if uncloned > 0 {
		summary += fmt.Sprintf(" (%d not cloned yet: only their tools: in the manifest are checked)", uncloned)
	}
	if silent := len(names) - len(asked); silent > 0 {
		verb := "ask"
		if silent == 1 {
			verb = "asks"
		}
		summary += fmt.Sprintf("; %d %s for none", silent, verb)
	}
	return append(out, Check{Name: "tools", Detail: summary, OK: true})
}

// workerEnv is a service's worker environment as a boot composes it, so
// that doctor looks on the PATH the worker will have. CRISPIFY_HOST is the
// local one: no tool's version depends on it; an env_file of a repo not
// cloned yet is not there to read.
func workerEnv(m *manifest.Manifest) func(*manifest.Service) ([]string, error) {
	builtins := builtinsOf(m, "127.0.0.1")
	return func(s *manifest.Service) ([]string, error) {
		if _, err := os.Stat(s.Dir); err != nil {
			plain := *s
			plain.EnvFile = ""
			return serviceEnv(os.Environ(), builtins, &plain)
		}
		return serviceEnv(os.Environ(), builtins, s)
	}
}
