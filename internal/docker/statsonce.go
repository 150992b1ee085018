package docker

import (
	"context"
	"sync"
	"time"
)

// ReadLoads reads the figures of every running container of project once:
// two one-shot readings of each, gap apart, the CPU from their difference.
// A container that does not answer is left out.
func ReadLoads(ctx context.Context, engine Engine, project string, gap time.Duration) map[string]Stats {
	list, err := engine.ContainerList(ctx, map[string]string{LabelProject: project})
	if err != nil {
		return nil
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	out := map[string]Stats{}
	for _, c := range list {
		name := c.Labels[LabelInfra]
		if c.State != "running" || name == "" {
			continue
		}
		wg.Go(func() {
			first, err := engine.ContainerStatsOnce(ctx, c.ID)
			if err != nil {
				return
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(gap):
			}
			next, err := engine.ContainerStatsOnce(ctx, c.ID)
			if err != nil {
				return
			}
			mu.Lock()
			out[name] = next.Since(first)
			mu.Unlock()
		})
	}
	wg.Wait()
	return out
}
