package stack

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/crispify/crispify/internal/docker"
	"github.com/crispify/crispify/internal/event"
)

// stilled runs work (a snapshot saved or restored) with the infra
// stopped, as the docker layer requires: nothing is ever copied from, or
// over, a running database. Every infra is, not only those whose data
// forks: a snapshot holds the shared data too, and which infra have
// volumes only the images say. With no supervisor, no worker runs, so the
// infra that run are stopped here (Quiesce: Redis saves first) and started
// again after, healthy, whatever work did.
//
// A supervisor's keeper starts again an infra that stops behind its back,
// so under one the infra are not stopped here: a running one is refused,
// naming the workers that use it and the commands that stop and start
// them. (Going through the supervisor, as a switch does, is the better
// way; docs/decisions.md, "Branch data", says why it is not done yet.)
func (st *Stack) stilled(ctx context.Context, p *docker.Project, what string, sink event.Sink, work func() error) error {
	running, err := runningInfra(ctx, p)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if len(running) > 0 {
		c, err := st.Dial(ctx)
		if err == nil {
			return refuseUnderSupervisor(st, what, c.PID(), running)
		}
		if !errors.Is(err, ErrNotRunning) {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
	for _, name := range running {
		if err := p.Quiesce(ctx, name); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
	err = work()
	if len(running) > 0 {
		// What ran runs again, even after a failed or cancelled work: the
		// data is whole either way (the docker layer sees to it).
		err = errors.Join(err, st.upAgain(context.WithoutCancel(ctx), p, running, sink))
	}
	return err
}

// runningInfra are the names of infra whose container is not stopped.
func runningInfra(ctx context.Context, p *docker.Project) ([]string, error) {
	list, err := p.Status(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, s := range list {
		if s.State != docker.StateDead {
			out = append(out, s.Name)
		}
	}
	return out, nil
}

// upAgain starts the named infra again and waits until they answer, as
// `crispify infra` does.
func (st *Stack) upAgain(ctx context.Context, p *docker.Project, names []string, sink event.Sink) error {
	var g Graph
	AddInfra(&g, p, names)
	outcome, err := g.Run(ctx, sink)
	if err == nil {
		err = outcome.Err(&g)
	}
	if err != nil {
		return fmt.Errorf("start %s again: %w: try `crispify infra %s`", words(names), err, strings.Join(names, " "))
	}
	return nil
}

// refuseUnderSupervisor says how to save or restore on a stack a
// supervisor keeps: stop the workers that use the infra and the infra,
// then start them again.
func refuseUnderSupervisor(st *Stack, what string, pid int, infra []string) error {
	users := usersOf(st, infra)
	stop := strings.Join(append(slices.Clone(users), infra...), " ")
	return fmt.Errorf("%s: %s run under the supervisor of project %s (pid %d), which would start them again mid-copy: stop them and what uses them first (`crispify stop %s`), then run this again and `crispify run` to start them; or decrispify first",
		what, words(infra), st.Manifest.Project, pid, stop)
}

// usersOf are the workers that need any of infra, directly or through
// what they need, in the manifest's order.
func usersOf(st *Stack, infra []string) []string {
	m := st.Manifest
	var out []string
	for _, name := range m.ServiceNames() {
		if m.Services[name].Run == "" {
			continue
		}
		needs, _, err := m.Closure([]string{name})
		if err == nil && slices.ContainsFunc(needs, func(n string) bool { return slices.Contains(infra, n) }) {
			out = append(out, name)
		}
	}
	return out
}
