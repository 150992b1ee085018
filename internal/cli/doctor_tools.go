package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/crispify/crispify/internal/manifest"
	"github.com/crispify/crispify/internal/toolchain"
	"github.com/crispify/crispify/internal/workers"
)

// toolChecks lists every service whose node, go, ruby or python is missing
// or of the wrong version on its worker's PATH, in the words a boot fails
// it with, and counts those that have what they ask for.
func toolChecks(ctx context.Context, m *manifest.Manifest) []check {
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
	var out []check
	bad, asked := map[string]bool{}, map[string]bool{}
	for _, r := range results {
		asked[r.Service] = true
		switch {
		case r.Problem():
			bad[r.Service] = true
			out = append(out, check{name: "tools", detail: r.String(), ok: false})
		case r.Status == toolchain.Unchecked:
			out = append(out, check{name: "tools", detail: r.String(), ok: true, note: true})
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
	return append(out, check{name: "tools", detail: summary, ok: true})
}

// workerEnv is a service's worker environment as a boot composes it, so
// that doctor looks on the PATH the worker will have. CRISPIFY_HOST is the
// local one: no tool's version depends on it.
func workerEnv(m *manifest.Manifest) func(*manifest.Service) ([]string, error) {
	builtins := map[string]string{
		"CRISPIFY_HOST":      "127.0.0.1",
		"CRISPIFY_PROJECT":   m.Project,
		"CRISPIFY_WORKSPACE": m.WorkspaceDir,
	}
	return func(s *manifest.Service) ([]string, error) {
		envFile := ""
		if s.EnvFile != "" {
			envFile = filepath.Join(s.Dir, s.EnvFile)
			if _, err := os.Stat(s.Dir); err != nil {
				envFile = "" // not cloned yet: its env_file is not there either
			}
		}
		return workers.Environment(os.Environ(), builtins, envFile, s.Env)
	}
}
