package stack

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"time"

	"github.com/crispify/crispify/internal/docker"
	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/manifest"
	"github.com/crispify/crispify/internal/repos"
)

// Types of the engine packages that commands name, so that they need only
// this package.
type (
	// Engine is the Docker Engine API as crispify uses it.
	Engine = docker.Engine
	// Endpoint is where the engine was found, and how.
	Endpoint = docker.Endpoint
	// RepoResult is what a repos run did to one repo.
	RepoResult = repos.Result
	// Connector reaches the Docker engine, pinging it first.
	Connector = func(ctx context.Context) (docker.Engine, docker.Endpoint, error)
)

// Stack is a project's stack as a command sees it: its manifest, and how
// to reach the engine its infra runs on.
type Stack struct {
	Manifest *manifest.Manifest
	Connect  Connector
	// Getenv reads the environment, for the endpoint's name; may be nil.
	Getenv func(string) string
	// recorded: the manifest could not be read, and this stack is what its
	// supervisor recorded (Recorded): a project and a workspace.
	recorded bool
}

// Dial connects to the project's running supervisor, foreground or
// detached; ErrNotRunning when none runs.
func (st *Stack) Dial(ctx context.Context) (*Client, error) {
	return dial(ctx, filesOf(st.Manifest))
}

// Request is a boot request of st's manifest, its paths made absolute so
// that a supervisor in another folder reads the same manifest.
func (st *Stack) Request(mode Mode, names []string, profile, backend string, watch bool, env []string) Request {
	file, err := filepath.Abs(st.Manifest.File)
	if err != nil {
		file = st.Manifest.File
	}
	return Request{Mode: mode, Names: names, Profile: profile, Backend: backend, Watch: watch, Env: env, Manifest: file, Workspace: st.Manifest.WorkspaceDir, Project: st.Manifest.Project}
}

// Keeper is the process that keeps a stack: a detached supervisor, or a
// foreground crispify in a terminal.
type Keeper struct {
	PID        int
	InTerminal bool
}

// runsAny reports whether any worker of the supervisor runs.
func (c *Client) runsAny(ctx context.Context) bool {
	list, err := c.Status(ctx)
	if err != nil {
		return false
	}
	for _, s := range list {
		switch s.State {
		case event.Starting, event.Ready, event.Sick, event.Restarting:
			return true
		}
	}
	return false
}

// Stop stops workers or containers by name: through the supervisor when
// one runs, else the containers directly (no worker runs without one).
func (st *Stack) Stop(ctx context.Context, names []string) error {
	return st.control(ctx, "stop", names, (*Client).Stop, (*docker.Project).Stop)
}

// Restart restarts workers or containers by name, as Stop does.
func (st *Stack) Restart(ctx context.Context, names []string) error {
	return st.control(ctx, "restart", names, (*Client).Restart, (*docker.Project).Restart)
}

// Watch turns watching of the named workers' files on or off, through the
// supervisor that runs them.
func (st *Stack) Watch(ctx context.Context, on bool, names []string) error {
	c, err := st.Dial(ctx)
	if errors.Is(err, ErrNotRunning) {
		return fmt.Errorf("watch %s: no supervisor runs project %s: start it with `crispify --watch`", words(names), st.Manifest.Project)
	}
	if err != nil {
		return err
	}
	return c.Watch(ctx, on, names...)
}

func (st *Stack) control(ctx context.Context, verb string, names []string,
	viaSupervisor func(*Client, context.Context, event.Kind, ...string) error,
	direct func(*docker.Project, context.Context, string) error) error {
	m := st.Manifest
	known := append(m.ServiceNames(), m.InfraNames()...)
	c, err := st.Dial(ctx)
	if err == nil {
		// A worker that left the manifest and still runs is the
		// supervisor's to stop.
		if list, err := c.Status(ctx); err == nil {
			for _, s := range list {
				known = append(known, s.Name)
			}
		}
	}
	if err := unknownNames("worker or container", names, known); err != nil {
		return err
	}
	if c != nil {
		return viaSupervisor(c, ctx, "", names...)
	}
	if !errors.Is(err, ErrNotRunning) {
		return err
	}
	var errs []error
	var p *docker.Project
	for _, name := range names {
		if _, ok := m.Infra[name]; !ok {
			errs = append(errs, fmt.Errorf("%s %s: no supervisor runs project %s, so no worker does: start it with `crispify run %s`", verb, name, m.Project, name))
			continue
		}
		if p == nil {
			if p, err = st.project(ctx, nil); err != nil {
				return errors.Join(append(errs, err)...)
			}
		}
		errs = append(errs, direct(p, ctx, name))
	}
	return errors.Join(errs...)
}

// project is the stack's infra on its engine, reporting to sink.
func (st *Stack) project(ctx context.Context, sink event.Sink) (*docker.Project, error) {
	engine, ep, err := st.Connect(ctx)
	if err != nil {
		return nil, err
	}
	data, err := dataBranch(st.Manifest)
	if err != nil {
		return nil, err
	}
	return docker.NewProject(docker.ProjectOptions{Engine: engine, Manifest: st.Manifest, Sink: sink, Local: ep.Local(), DataBranch: data}), nil
}

// Endpoint connects to the engine and says where it is, for a header.
func (st *Stack) Endpoint(ctx context.Context) (Endpoint, error) {
	_, ep, err := st.Connect(ctx)
	return ep, err
}

// Infra makes the named infra (and what it needs) exist, run and be
// healthy, between the stack's started and done events, and returns the
// containers as they settled: `crispify infra`.
func (st *Stack) Infra(ctx context.Context, names []string, pull bool, sink event.Sink) (Result, error) {
	engine, ep, err := st.Connect(ctx)
	if err != nil {
		return Result{}, err
	}
	data, err := dataBranch(st.Manifest)
	if err != nil {
		return Result{}, err
	}
	res, err := command(sink, fmt.Sprintf("%d infra of project %s", len(names), st.Manifest.Project), func(sink event.Sink) (string, error) {
		p := docker.NewProject(docker.ProjectOptions{Engine: engine, Manifest: st.Manifest, Pull: pull, Local: ep.Local(), Sink: sink, DataBranch: data})
		var g Graph
		AddInfra(&g, p, names)
		outcome, err := g.Run(ctx, sink)
		p.Unlock()
		if err == nil {
			err = outcome.Err(&g)
		}
		return "", err
	})
	// The summary is of the containers; their images count in the counts.
	res.Settled = slices.DeleteFunc(res.Settled, func(e event.Event) bool { return e.Kind != event.Infra })
	return res, err
}

// ReposOptions say how `crispify repos` works.
type ReposOptions struct {
	Update  bool
	Jobs    int
	Backend string
}

// Repos clones the named repos (all when none) that are missing and, with
// Update, fetches and fast-forwards the others, reporting to sink.
func (st *Stack) Repos(ctx context.Context, names []string, opts ReposOptions, sink event.Sink) ([]RepoResult, error) {
	m := st.Manifest
	if err := unknownNames("service", names, m.ServiceNames()); err != nil {
		return nil, err
	}
	backend, err := backendOf(opts.Backend)
	if err != nil {
		return nil, err
	}
	var specs []repos.Spec
	selected := m.ServiceNames()
	if len(names) > 0 {
		selected = slices.DeleteFunc(selected, func(name string) bool { return !contains(names, name) })
	}
	kept, err := readBranches(m.StateDir())
	if err != nil {
		return nil, err
	}
	for _, c := range m.Clones(selected) {
		specs = append(specs, cloneSpec(c, kept))
	}
	sink.Emit(event.Event{Kind: event.Stack, Phase: event.Started, Msg: fmt.Sprintf("%d repos in %s", len(specs), m.WorkspaceDir)})
	results := repos.Sync(ctx, specs, repos.Options{Update: opts.Update, Jobs: opts.Jobs, Backend: backend}, sink)
	counts := map[event.Phase]int{}
	var failed []string
	for _, r := range results {
		counts[r.Phase]++
		if r.Phase == event.Failed {
			failed = append(failed, r.Name)
		}
	}
	end := event.Event{Kind: event.Stack, Phase: event.Done, Counts: counts}
	if len(failed) > 0 {
		end.Phase = event.Failed
	}
	sink.Emit(end)
	if len(failed) > 0 {
		return results, fmt.Errorf("%d of %d repos failed: %s: the table says why, and what to try, for each", len(failed), len(results), words(failed))
	}
	return results, nil
}

// CheckBackend says whether name is a git backend, as a usage error.
func CheckBackend(name string) error {
	_, err := backendOf(name)
	return err
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// waitDial dials until a supervisor that is starting answers, for d.
func (st *Stack) waitDial(ctx context.Context, d time.Duration) (*Client, error) {
	deadline := time.Now().Add(d)
	for {
		c, err := st.Dial(ctx)
		if err == nil || !errors.Is(err, ErrNotRunning) || time.Now().After(deadline) {
			return c, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Queue is an event queue for a renderer of st's events: a renderer that
// falls behind skips worker lines, the oldest first, with a marker naming
// the log that has them all.
func (st *Stack) Queue() *event.Queue {
	return event.NewQueue(logFileOption(st.Manifest.StateDir()))
}

// EngineFrom is the Connector of the real world: the endpoint of
// DOCKER_HOST, DOCKER_CONTEXT or the current context, read with getenv.
func EngineFrom(getenv func(string) string) Connector {
	return func(ctx context.Context) (docker.Engine, docker.Endpoint, error) {
		return docker.Connect(ctx, getenv)
	}
}

// EndpointName is the engine's endpoint, for a header, without connecting;
// "" when it cannot be resolved, or when the stack has no infra.
func (st *Stack) EndpointName() string {
	if st.Getenv == nil || len(st.Manifest.Infra) == 0 {
		return ""
	}
	ep, err := docker.ResolveEndpoint(st.Getenv)
	if err != nil {
		return ""
	}
	return ep.Host
}
