package stack

import (
	"context"

	"github.com/crispify/crispify/internal/docker"
	"github.com/crispify/crispify/internal/manifest"
	"github.com/crispify/crispify/internal/preflight"
)

// laptopChecks are doctor's lines of what breaks the infra on a laptop:
// vm.max_map_count for Elasticsearch, memory, image platforms.
func laptopChecks(ctx context.Context, engine preflight.Engine, ep docker.Endpoint, m *manifest.Manifest) []Check {
	var out []Check
	for _, f := range preflight.Check(ctx, engine, ep, m, preflight.ThisMachine()) {
		out = append(out, Check{Name: f.Check, Detail: f.Detail, OK: f.Status != preflight.Fail, Note: f.Status == preflight.Note})
	}
	return out
}
