package stack

import (
	"context"
	"sync"
	"time"

	"github.com/crispify/crispify/internal/docker"
	"github.com/crispify/crispify/internal/load"
)

// statusGap is how far apart a status's two reads are: CPU is a rate,
// and a status should answer about as fast without it (the engine's
// one-shot readings take as long again, at the same time).
const statusGap = 200 * time.Millisecond

// withLoad puts CPU and memory on the rows of what runs: the workers from
// two reads of /proc, the containers from two one-shot readings of the
// engine, statusGap apart, all at once. engine is nil for a stack without
// infra.
func (st *Stack) withLoad(ctx context.Context, rows []Row, engine docker.Engine) {
	groups := load.Groups{}
	for _, r := range rows {
		if r.Kind == "worker" && len(r.pgids) > 0 {
			groups[r.Name] = r.pgids
		}
	}
	var infra map[string]docker.Stats
	var wg sync.WaitGroup
	if engine != nil {
		wg.Go(func() { infra = docker.ReadLoads(ctx, engine, st.Manifest.Project, statusGap) })
	}
	var workers map[string]load.Figures
	if len(groups) > 0 && load.Supported() {
		s := load.New()
		s.Sample(groups)
		select {
		case <-ctx.Done():
		case <-time.After(statusGap):
		}
		workers = s.Sample(groups)
	}
	wg.Wait()
	for i, r := range rows {
		switch {
		case r.Kind == "worker":
			if f, ok := workers[r.Name]; ok {
				rows[i].CPU, rows[i].Memory = &f.CPU, &f.Memory
			}
		case r.Kind == "infra":
			if s, ok := infra[r.Name]; ok {
				rows[i].CPU, rows[i].Memory = &s.CPU, &s.Memory
			}
		}
	}
}
