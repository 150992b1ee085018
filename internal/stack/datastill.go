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
// over, a running database. Every infra that runs is stopped, not only
// those whose data forks: a snapshot holds the shared data too, and which
// infra have volumes only the images say. Redis saves first (Quiesce).
//
// With no supervisor, no worker runs: the infra are stopped here and
// started again after, healthy. Under a supervisor, whose keeper would
// start again an infra that stops behind its back, the stops go through
// it: the running workers that need those infra first (those that need
// others before), then the infra; after the work, an apply through it
// (as `crispify run` of those workers and infra) starts them again. What
// was stopped is started again whatever work did: the data is whole
// either way (the docker layer sees to it).
func (st *Stack) stilled(ctx context.Context, what string, env []string, sink event.Sink, work func(*docker.Project) error) error {
	p, err := st.dataProject(ctx, sink)
	if err != nil {
		return err
	}
	running, err := runningInfra(ctx, p)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	var c *Client
	var users []string
	if len(running) > 0 {
		c, err = st.Dial(ctx)
		switch {
		case errors.Is(err, ErrNotRunning):
			c, err = nil, nil
		case err != nil:
			return fmt.Errorf("%s: %w", what, err)
		default:
			users, err = st.stopThrough(ctx, c, p, what, running)
		}
	}
	if err == nil {
		err = st.lockedWork(ctx, p, what, running, work)
	}
	if len(running) > 0 {
		back := context.WithoutCancel(ctx)
		if c != nil {
			err = errors.Join(err, st.startThrough(back, c, users, running, env, sink))
		} else {
			err = errors.Join(err, st.upAgain(back, p, running, sink))
		}
	}
	return err
}

// lockedWork stops the infra that run (Quiesce: a Redis saves first) and
// does work, under the project's lock.
func (st *Stack) lockedWork(ctx context.Context, p *docker.Project, what string, running []string, work func(*docker.Project) error) error {
	if err := p.Lock(ctx, st.Manifest.InfraNames()); err != nil {
		return err
	}
	defer p.Unlock()
	for _, name := range running {
		if err := p.Quiesce(ctx, name); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
	return work(p)
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

// stopThrough has the supervisor c stop the running workers that need any
// of infra, those that need others first, then the infra, each Redis
// saved before it stops; it returns the workers it stopped.
func (st *Stack) stopThrough(ctx context.Context, c *Client, p *docker.Project, what string, infra []string) ([]string, error) {
	list, err := c.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	var runs []string
	for _, s := range list {
		switch s.State {
		case event.Starting, event.Ready, event.Sick, event.Restarting:
			runs = append(runs, s.Name)
		}
	}
	users := slices.DeleteFunc(usersOf(st, infra), func(n string) bool { return !slices.Contains(runs, n) })
	var stopped []string
	for _, level := range StopOrder(st.Manifest, users) {
		if err := c.Stop(ctx, event.Worker, level...); err != nil {
			return stopped, fmt.Errorf("%s: stop %s first: %w", what, words(level), err)
		}
		stopped = append(stopped, level...)
	}
	for _, name := range infra {
		if err := p.SaveRedis(ctx, name); err != nil {
			return stopped, fmt.Errorf("%s: %w", what, err)
		}
	}
	if err := c.Stop(ctx, event.Infra, infra...); err != nil {
		return stopped, fmt.Errorf("%s: stop %s first: %w", what, words(infra), err)
	}
	return stopped, nil
}

// startThrough has the supervisor c start the workers and infra again, as
// `crispify run` of them would: an apply, whose events go to sink but for
// its own start and end (the command has its own).
func (st *Stack) startThrough(ctx context.Context, c *Client, workers, infra []string, env []string, sink event.Sink) error {
	names := append(slices.Clone(workers), infra...)
	req := st.Request(Run, names, "", "", false, env)
	_, err := c.Apply(ctx, req, func(e event.Event) {
		if e.Kind != event.Stack {
			sink.Emit(e)
		}
	})
	if err != nil {
		return fmt.Errorf("start %s again: %w: try `crispify run %s`", words(names), err, strings.Join(names, " "))
	}
	return nil
}

// upAgain starts the named infra again and waits until they answer, as
// `crispify infra` does.
func (st *Stack) upAgain(ctx context.Context, p *docker.Project, names []string, sink event.Sink) error {
	var g Graph
	AddInfra(&g, p, names)
	outcome, err := g.Run(ctx, sink)
	p.Unlock()
	if err == nil {
		err = outcome.Err(&g)
	}
	if err != nil {
		return fmt.Errorf("start %s again: %w: try `crispify infra %s`", words(names), err, strings.Join(names, " "))
	}
	return nil
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
