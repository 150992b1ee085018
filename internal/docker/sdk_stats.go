package docker

import (
	"context"
	"encoding/json"
	"errors"
	"io"

	"github.com/docker/docker/api/types/container"
)

// ContainerStats reads GET /containers/{id}/stats?stream=true: a reading
// about every second until ctx ends or the container stops.
func (s *sdk) ContainerStats(ctx context.Context, id string, fn func(Stats)) error {
	r, err := s.c.ContainerStats(ctx, id, true)
	if err != nil {
		return notFound(err)
	}
	defer r.Body.Close()
	stop := context.AfterFunc(ctx, func() { r.Body.Close() })
	defer stop()
	dec := json.NewDecoder(r.Body)
	for {
		var v container.StatsResponse
		if err := dec.Decode(&v); err != nil {
			if errors.Is(err, io.EOF) || ctx.Err() != nil {
				return ctx.Err()
			}
			return err
		}
		fn(rawOf(v).figures())
	}
}

// ContainerStatsOnce reads GET /containers/{id}/stats?stream=false&one-shot=true:
// the engine answers at once, where a reading with a rate waits a second.
func (s *sdk) ContainerStatsOnce(ctx context.Context, id string) (Stats, error) {
	r, err := s.c.ContainerStatsOneShot(ctx, id)
	if err != nil {
		return Stats{}, notFound(err)
	}
	defer r.Body.Close()
	var v container.StatsResponse
	if err := json.NewDecoder(r.Body).Decode(&v); err != nil {
		return Stats{}, err
	}
	return rawOf(v).figures(), nil
}

// rawOf takes the figures' fields from the engine's reading. cgroup v1
// has total_inactive_file (the cgroup and those under it) beside its own
// inactive_file, v2 inactive_file only: the first of them is taken, as
// docker stats does.
func rawOf(v container.StatsResponse) rawStats {
	inactive, ok := v.MemoryStats.Stats["total_inactive_file"]
	if !ok {
		inactive = v.MemoryStats.Stats["inactive_file"]
	}
	return rawStats{
		cpuTotal: v.CPUStats.CPUUsage.TotalUsage, preCPUTotal: v.PreCPUStats.CPUUsage.TotalUsage,
		systemTotal: v.CPUStats.SystemUsage, preSystemTotal: v.PreCPUStats.SystemUsage,
		onlineCPUs: v.CPUStats.OnlineCPUs, perCPU: len(v.CPUStats.CPUUsage.PercpuUsage),
		usage: v.MemoryStats.Usage, inactiveFile: inactive, read: v.Read,
	}
}
