package stack

import (
	"context"
	"fmt"
	"time"

	"github.com/crispify/crispify/internal/docker"
)

// What another machine's engine should have to spare for six infra
// containers (their images and data, RabbitMQ's and MariaDB's memory).
const (
	minRemoteDisk = 5 << 30
	minRemoteMem  = 2 << 30
)

// machineChecks say how far the engine is (an API round trip) and, for
// another machine's engine, its free disk and memory.
func machineChecks(ctx context.Context, engine docker.Describer, ep docker.Endpoint) []Check {
	r, err := docker.MeasureEngine(ctx, engine, ep)
	if err != nil {
		return []Check{{Name: "engine", Detail: fmt.Sprintf("measure %s: %v", ep.Host, err)}}
	}
	rtt := Check{Name: "engine", Detail: fmt.Sprintf("round trip %s to %s (from %s), %d CPUs, %s memory", roundRTT(r.RTT), ep.Host, ep.From, r.Info.NCPU, gib(r.Info.MemTotal)), OK: true}
	if ep.Local() {
		return []Check{rtt}
	}
	checks := []Check{rtt}
	name := r.Info.Name
	if name == "" {
		name = ep.HostAddress()
	}
	if r.DiskFree >= 0 {
		c := Check{Name: "remote", Detail: fmt.Sprintf("%s free in %s on %s", gib(r.DiskFree), r.Info.DataRoot, name), OK: true}
		if r.DiskFree < minRemoteDisk {
			c.OK, c.Detail = false, c.Detail+fmt.Sprintf(": under %d GiB; free some with `docker system prune` there", minRemoteDisk>>30)
		}
		checks = append(checks, c)
	}
	if r.MemFree >= 0 {
		c := Check{Name: "remote", Detail: fmt.Sprintf("%s of memory available of %s on %s", gib(r.MemFree), gib(r.Info.MemTotal), name), OK: true}
		if r.MemFree < minRemoteMem {
			c.OK, c.Detail = false, c.Detail+fmt.Sprintf(": under %d GiB; the infra may not fit", minRemoteMem>>30)
		}
		checks = append(checks, c)
	}
	if r.Unknown != "" {
		checks = append(checks, Check{Name: "remote", Detail: r.Unknown, OK: true})
	}
	return checks
}

func gib(n int64) string { return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30)) }

func roundRTT(d time.Duration) string {
	if d < time.Millisecond {
		return d.Round(time.Microsecond).String()
	}
	return d.Round(100 * time.Microsecond).String()
}
