package cli

import (
	"context"

	"github.com/crispify/crispify/internal/docker"
	"github.com/crispify/crispify/internal/manifest"
	"github.com/crispify/crispify/internal/preflight"
)

// laptopChecks are doctor's lines of what breaks the infra on a laptop:
// vm.max_map_count for Elasticsearch, memory, image platforms.
func laptopChecks(ctx context.Context, engine docker.Engine, ep docker.Endpoint, m *manifest.Manifest) []check {
	var out []check
	for _, f := range preflight.Check(ctx, engine, ep, m, preflight.ThisMachine()) {
		out = append(out, check{name: f.Check, detail: f.Detail, ok: f.Status != preflight.Fail, note: f.Status == preflight.Note})
	}
	return out
}
