package stack

import (
	"context"
	"os"
	"path/filepath"
	"slices"

	"github.com/crispify/crispify/internal/docker"
	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/manifest"
	"github.com/crispify/crispify/internal/repos"
	"github.com/crispify/crispify/internal/toolchain"
	"github.com/crispify/crispify/internal/workers"
)

// The supervisor's side of an apply: its turn, the apply made from the
// request, its run as one graph, and its summary. What each step does is
// apply.go's.

// Apply applies req to the running stack: one dependency graph over the
// selected repos, images, infra, setups and workers, each step started the
// moment what it needs is done, each worker started, restarted (saying
// why) or left alone as decide says. What runs but is not selected keeps
// running. It reports to the stack's events and passes those of its own
// items to sink; the Result is their summary. Applies run one at a time:
// a second one waits, saying so.
func (s *Supervisor) Apply(ctx context.Context, req Request, sink event.Sink) (Result, error) {
	release, err := s.applyTurn(ctx, sink)
	if err != nil {
		return Result{}, err
	}
	defer release()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s.mu.Lock()
	s.cancelApply = cancel
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.cancelApply = nil
		s.mu.Unlock()
	}()

	a, err := s.plan(ctx, req)
	if err != nil {
		return Result{Usage: IsUsage(err)}, err
	}
	if req.Switch != nil {
		if err := s.planSwitch(ctx, a, *req.Switch, req.DryRun); err != nil {
			return Result{Usage: IsUsage(err)}, err
		}
	}
	if req.DryRun {
		return a.planOnly(ctx, sink), nil
	}
	a.expect(ctx)
	t, closeTap := s.stream.open(a.items(), sink)
	defer closeTap()
	s.stream.Emit(event.Event{Kind: event.Stack, Phase: event.Started, Msg: a.summary()})
	removedErr := a.stopRemoved(ctx)
	// A data swap that fails leaves the project on the old data: the graph
	// then brings the infra and workers back up as they were.
	swapErr := a.swapData(ctx)
	g := a.graph()
	result, err := g.Run(ctx, s.stream)
	if err == nil {
		err = a.restartSwapped(ctx)
	}
	if a.project != nil {
		a.project.Unlock()
	}
	if rerr := a.recordSwitch(); rerr != nil && err == nil {
		err = rerr
	}
	if err == nil {
		err = result.Err(g)
	}
	if err == nil {
		err = removedErr
	}
	if swapErr != nil {
		err = swapErr
	}
	end := event.Event{Kind: event.Stack, Phase: event.Done, Counts: t.tally.Counts()}
	switch {
	case ctx.Err() != nil:
		end.Phase, end.Error = event.Failed, "interrupted"
		err = ctx.Err()
	case err != nil:
		end.Phase, end.Error = event.Failed, err.Error()
	}
	s.stream.Emit(end)
	return Result{Settled: a.ordered(t.tally.Settled(event.Repo, event.Infra, event.Data, event.Setup, event.Worker)), Counts: end.Counts}, err
}

// stackTurn is the key of the stack's turn: one apply at a time.
const stackTurn = "stack"

// applyTurn takes the stack's turn for an apply: a second one waits, and
// says so on its sink, until the first ends or ctx does.
func (s *Supervisor) applyTurn(ctx context.Context, sink event.Sink) (release func(), err error) {
	say := func(string) {
		sink.Emit(event.Event{Kind: event.Stack, Phase: event.Started, Msg: "waiting for the change under way in this stack to end"})
	}
	return s.turns.Take(ctx, stackTurn, "apply", say)
}

// ordered sorts a summary as the manifest reads: the infra, then each
// service's repo, setup and worker together.
func (a *apply) ordered(settled []event.Event) []event.Event {
	rank := map[item]int{}
	for i, name := range a.sel.Infra {
		rank[item{event.Infra, name}] = 2 * i
		rank[item{event.Data, name}] = 2*i + 1 // its data, after it
	}
	infra := 2 * len(a.sel.Infra)
	for i, name := range a.sel.Services {
		clone := item{event.Repo, a.m.Services[name].CloneName()}
		if _, ok := rank[clone]; !ok {
			rank[clone] = infra + 3*i
		}
		for k, kind := range []event.Kind{event.Setup, event.Worker} {
			rank[item{kind, name}] = infra + 3*i + k + 1
		}
	}
	slices.SortStableFunc(settled, func(x, y event.Event) int {
		return rank[item{x.Kind, x.Name}] - rank[item{y.Kind, y.Name}]
	})
	return settled
}

// plan reads the manifest of req again and makes the apply of it.
func (s *Supervisor) plan(ctx context.Context, req Request) (*apply, error) {
	m, err := manifest.Load(req.Manifest, manifest.Options{Workspace: req.Workspace, Project: req.Project})
	if err != nil {
		return nil, &UsageError{Err: err}
	}
	if m.Project != s.files.project || m.StateDir() != s.files.dir {
		return nil, usageErrorf("this supervisor keeps project %s of %s; the manifest %s is project %s of %s: "+
			"give the manifest of the stack this supervisor keeps (-f), or stop it first (decrispify --project %s --workspace %s)",
			s.files.project, filepath.Dir(s.files.dir), req.Manifest, m.Project, m.WorkspaceDir, s.files.project, filepath.Dir(s.files.dir))
	}
	sel, err := Select(m, req.Names, req.Profile)
	if err != nil {
		return nil, err
	}
	backend, err := backendOf(req.Backend)
	if err != nil {
		return nil, err
	}
	a := &apply{
		m: m, sel: sel, mode: req.Mode, runner: s.workers, records: s.records, sink: s.stream,
		watching: s.watch, watchFlag: req.Watch,
		repoOpts: repos.Options{Update: req.Mode == Remote, Backend: backend, State: s.git},
		base:     req.Env,
		heads:    map[string]string{}, setups: map[string]workers.SetupRun{}, sources: map[string]*sourceRead{},
		sync: repos.SyncOne, setup: workers.RunSetup, head: repos.Head, moved: repos.Moved, tools: toolchain.Verify,
		readSource: repos.ReadSource, changed: repos.ChangedFiles,
	}
	if a.base == nil {
		a.base = os.Environ()
	}
	host := "127.0.0.1"
	if len(sel.Infra) > 0 {
		p, ep, err := s.project(ctx, m, req.Mode == Remote)
		if err != nil {
			return nil, err
		}
		a.project = p
		host = hostAddress(ep)
	}
	a.builtins = builtinsOf(m, host)
	a.removed = a.removedWorkers()
	if a.kept, err = readBranches(m.StateDir()); err != nil {
		return nil, err
	}
	if !req.DryRun {
		s.mu.Lock()
		s.latest = m
		s.mu.Unlock()
		writeRecord(s.files, m.File)
	}
	return a, nil
}

func backendOf(name string) (repos.Backend, error) {
	if name == "" {
		name = repos.DefaultBackend
	}
	b, err := repos.BackendByName(name)
	if err != nil {
		return nil, &UsageError{Err: err}
	}
	return b, nil
}

// hostAddress is CRISPIFY_HOST: where infra ports are reachable.
func hostAddress(ep docker.Endpoint) string {
	if ep.Host == "" {
		return "127.0.0.1"
	}
	return ep.HostAddress()
}
