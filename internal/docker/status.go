package docker

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/crispify/crispify/internal/probe"
)

// Status is one infra entry as `crispify status` shows it.
type Status struct {
	Name      string
	State     string // healthy, starting, sick, dead, or absent
	Container string
	Ports     []string
	Since     time.Time // when it started, zero when not running
	Detail    string
	// DataBranch is the data branch whose volumes the container mounts
	// (its label; none is the manifest's branch, as for data: shared);
	// "" when there is no container.
	DataBranch string
}

// Status states of infra.
const (
	StateHealthy  = "healthy"
	StateStarting = "starting"
	StateSick     = "sick"
	StateDead     = "dead"
)

// Status reads the state of every infra entry of the manifest, in order.
func (p *Project) Status(ctx context.Context) ([]Status, error) {
	list, err := p.Engine.ContainerList(ctx, p.labels())
	if err != nil {
		return nil, fmt.Errorf("list containers of project %s: %w", p.Manifest.Project, err)
	}
	byName := map[string]Container{}
	foreign := map[string]Container{}
	for _, c := range list {
		if p.mine(c.Labels) {
			byName[c.Name] = c
		} else {
			foreign[c.Name] = c
		}
	}
	var out []Status
	tunnels := p.tunnelStates()
	for _, name := range p.Manifest.InfraNames() {
		cname := ContainerName(p.Manifest.Project, name)
		c, ok := byName[cname]
		if other, theirs := foreign[cname]; !ok && theirs {
			out = append(out, Status{Name: name, State: StateDead, Container: cname, Detail: p.refuseForeign("container "+cname, other.Labels).Error()})
			continue
		}
		if !ok {
			out = append(out, Status{Name: name, State: StateDead, Container: cname, Detail: "no container: run `crispify infra " + name + "`"})
			continue
		}
		if c.State == "running" {
			// The list has no start time; inspect gives it and the health output.
			if full, err := p.Engine.ContainerInspect(ctx, c.ID); err == nil {
				c = full
			}
		}
		st := statusOf(name, c)
		st.Ports = p.inManifestOrder(name, st.Ports)
		st.DataBranch = c.Labels[LabelDataBranch]
		if st.DataBranch == "" {
			st.DataBranch = p.defaultBranch()
		}
		if st.State == StateStarting {
			// What the boot counted healthy on its probe's pass, status
			// does too, until Docker's health check has its say.
			if pr, ok := p.answers(ctx, name, c); ok {
				st.State, st.Detail = StateHealthy, pr.Kind+" answers; Docker's health check has not passed yet"
			}
		}
		out = append(out, p.withTunnel(st, tunnels))
	}
	return out, nil
}

// answers probes a container once; ok is true when its probe passes.
func (p *Project) answers(ctx context.Context, name string, c Container) (probe.Probe, bool) {
	pr, addr, ok := p.readiness(name, c)
	if !ok {
		return probe.Probe{}, false
	}
	ctx, cancel := context.WithTimeout(ctx, probe.Timeout)
	defer cancel()
	return pr, pr.Check(ctx, addr) == nil
}

func statusOf(name string, c Container) Status {
	s := Status{Name: name, Container: c.Name, Ports: portStrings(c.Ports)}
	switch {
	case c.State == "running" && (c.Health == "" || c.Health == "healthy"):
		s.State, s.Since = StateHealthy, c.StartedAt
	case c.State == "running" && c.Health == "starting":
		s.State, s.Since, s.Detail = StateStarting, c.StartedAt, "health check not passed yet"
	case c.State == "running":
		s.State, s.Since = StateSick, c.StartedAt
		s.Detail = "unhealthy"
		if out := lastLine(c.HealthOutput); out != "" {
			s.Detail += ": " + out
		}
	case c.State == "exited" || c.State == "dead":
		s.State, s.Detail = StateDead, fmt.Sprintf("exited with code %d", c.ExitCode)
	default:
		s.State, s.Detail = StateDead, strings.TrimSpace(c.State)
	}
	return s
}
