package stack

import (
	"context"
	"fmt"

	"golang.org/x/sync/errgroup"

	"github.com/crispify/crispify/internal/docker"
	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/workers"
)

// Logs sends the logs of the named containers and workers (every container
// and every service with a worker or setup when none are named) to line,
// interleaved as they come: the last tail lines of each (all when tail is
// negative), then, with follow, new ones until ctx ends. Workers' logs are
// their files under .crispify/logs; containers' come from the engine.
func (st *Stack) Logs(ctx context.Context, names []string, tail int, follow bool, line func(name, text string)) error {
	m := st.Manifest
	if err := unknownNames("infra or service", names, append(m.InfraNames(), m.ServiceNames()...)); err != nil {
		return err
	}
	infra, services := st.splitLogNames(names)
	var g errgroup.Group
	if len(infra) > 0 {
		p, err := st.project(ctx, nil)
		if err != nil {
			return err
		}
		g.Go(func() error {
			return p.Logs(ctx, infra, tailArg(tail), follow, func(l docker.Line) { line(l.Infra, l.Text) })
		})
	}
	for _, name := range services {
		g.Go(func() error {
			return workers.TailLog(ctx, m.StateDir(), name, tail, follow, func(l string) { line(name, l) })
		})
	}
	return g.Wait()
}

// LogNames are the names Logs covers for names: every container and every
// service with a worker or setup when none are named.
func (st *Stack) LogNames(names []string) []string {
	infra, services := st.splitLogNames(names)
	return append(infra, services...)
}

func (st *Stack) splitLogNames(names []string) (infra, services []string) {
	m := st.Manifest
	if len(names) == 0 {
		for _, n := range m.ServiceNames() {
			if s := m.Services[n]; s.Run != "" || len(s.Setup) > 0 {
				services = append(services, n)
			}
		}
		return m.InfraNames(), services
	}
	for _, n := range names {
		if _, ok := m.Infra[n]; ok {
			infra = append(infra, n)
		} else {
			services = append(services, n)
		}
	}
	return infra, services
}

// ItemLogs is the board's log view of one container: its last tail lines,
// then new ones until ctx ends. Workers' lines reach the board as events.
func (st *Stack) ItemLogs(ctx context.Context, kind event.Kind, name string, tail int, line func(string)) error {
	if kind != event.Infra {
		return fmt.Errorf("logs of %s %s: not available here", kind, name)
	}
	p, err := st.project(ctx, nil)
	if err != nil {
		return err
	}
	return p.Logs(ctx, []string{name}, tailArg(tail), true, func(l docker.Line) { line(l.Text) })
}

func tailArg(n int) string {
	if n < 0 {
		return "all"
	}
	return fmt.Sprint(n)
}
