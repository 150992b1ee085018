package stack

import (
	"context"
	"os"
	"path/filepath"
	"sync"

	"github.com/crispify/crispify/internal/docker"
	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/manifest"
	"github.com/crispify/crispify/internal/repos"
	"github.com/crispify/crispify/internal/workers"
)

// The steps of an apply, what the graph (applygraph.go) runs: a repo, a
// setup and a worker each. The supervisor's side is applyrun.go's.

// runner is what an apply needs of the workers' supervisor.
type runner interface {
	Start(ctx context.Context, spec workers.Spec) error
	Replace(ctx context.Context, spec workers.Spec, why string) error
	Stop(ctx context.Context, name string) error
	Running(name string) (workers.Spec, bool)
	Status() []workers.Status
}

// apply is one request, planned: the selection and how each step is done.
// Its function fields are the real ones, swapped in tests.
type apply struct {
	m        *manifest.Manifest
	sel      Selection
	mode     Mode
	repoOpts repos.Options
	project  *docker.Project // nil when nothing selected needs infra
	runner   runner
	records  *records   // what each worker was started with
	sink     event.Sink // the stack's events
	// removed are the running workers whose service left the manifest:
	// the apply stops them (orphans.go).
	removed []string
	// watching follows the workers' files (nil: not watched); watchFlag
	// is --watch.
	watching  *watching
	watchFlag bool
	base      []string
	builtins  map[string]string

	sync  func(context.Context, repos.Spec, repos.Options, event.Sink) repos.Result
	setup func(context.Context, string, workers.Setup, event.Sink) (workers.SetupRun, error)
	head  func(dir string) (string, error)
	moved func(ctx context.Context, dir, from, to string) string
	tools func(ctx context.Context, m *manifest.Manifest, s *manifest.Service, env []string) error
	// readSource and changed read a clone's files and what changed between
	// two of its commits, for setups and for the services a move touched.
	readSource func(ctx context.Context, dir string) (repos.Source, error)
	changed    func(ctx context.Context, dir, from, to string) ([]string, error)

	mu      sync.Mutex
	heads   map[string]string           // a clone's HEAD once its step is done
	setups  map[string]workers.SetupRun // whether a setup ran, and why
	sources map[string]*sourceRead      // by clone: its files, read once
	// expected is the plan made before the run (expect.go); nil when none
	// was made.
	expected *expected
	// switching is the switch this apply makes first (switch.go); nil for
	// every other apply.
	switching *switchPlan
	// kept is where the last switch left the clones: the branch each is
	// kept on (and updated on by remote) instead of the manifest's.
	kept branches
}

// repo clones, updates or finds one working copy, shared by the services
// that name its repo and branch.
func (a *apply) repo(ctx context.Context, c manifest.Clone, sink event.Sink) error {
	// run never fetches: a repo on disk is used as it is; a missing one
	// (a service new in the manifest) is cloned like local does.
	moved := false // the working copy's files changed: read them again
	if done, err := a.switchRepo(ctx, c, sink); done {
		if err != nil {
			return err
		}
		moved = true
	} else if _, err := os.Stat(filepath.Join(c.Dir, ".git")); a.mode == Run && err == nil {
		sink.Emit(event.Event{Kind: event.Repo, Name: c.Name, Phase: event.Unchanged, Msg: "present"})
	} else {
		// A fast-forward writes the files a watcher follows, for every
		// service of the clone.
		sharing := a.m.SharingClone(c.Services[0])
		for _, name := range sharing {
			a.pause(name)
		}
		r := a.sync(ctx, cloneSpec(c, a.kept), a.repoOpts, sink)
		for _, name := range sharing {
			a.resume(name)
		}
		if r.Phase == event.Failed {
			return r.Err
		}
		moved = r.Phase == event.Updated || r.Phase == event.Cloned
	}
	if moved {
		// What the plan before the run read of this clone is stale: the
		// setups that follow read it anew, once (see source).
		a.mu.Lock()
		delete(a.sources, c.Name)
		a.mu.Unlock()
	}
	// Where the worker starts from, or whether it moved under a running one.
	if head, err := a.head(c.Dir); err == nil {
		a.mu.Lock()
		a.heads[c.Name] = head
		a.mu.Unlock()
	}
	return nil
}

func (a *apply) runSetup(ctx context.Context, s *manifest.Service, sink event.Sink) error {
	env, err := a.env(s)
	if err != nil {
		sink.Emit(event.Event{Kind: event.Setup, Name: s.Name, Phase: event.Failed, Error: err.Error()})
		return err
	}
	if s.Run != "" {
		a.track(s, env) // a fix to a setup that fails brings the worker up
	}
	a.pause(s.Name) // setup builds into the repo
	// The toolchain is checked only when the setup is to run: an unchanged
	// one needs no tool, and a version probe per service costs an update
	// of a running stack a process each.
	before := func(ctx context.Context) error { return a.verifyTools(ctx, s, env) }
	run, err := a.setup(ctx, a.m.StateDir(), setupOf(s, env, a.source(ctx, s), before), sink)
	a.resume(s.Name)
	a.mu.Lock()
	a.setups[s.Name] = run
	a.mu.Unlock()
	return err
}

// worker starts, restarts or leaves the worker of s, as decide says.
func (a *apply) worker(ctx context.Context, s *manifest.Service, sink event.Sink) error {
	env, err := a.env(s)
	if err != nil {
		sink.Emit(event.Event{Kind: event.Worker, Name: s.Name, Phase: event.Failed, Error: err.Error()})
		return err
	}
	spec := specOf(s, env)
	a.track(s, env)
	a.mu.Lock()
	head, setup := a.heads[s.CloneName()], a.setups[s.Name]
	a.mu.Unlock()
	want := shapeOf(s, env)
	d := a.decideWorker(ctx, s, want, head, setup, true)
	note := a.departure(s, head, d.action)
	d.why += note
	if d.action == actLeave {
		st := a.status(s.Name)
		sink.Emit(event.Event{Kind: event.Worker, Name: s.Name, Phase: st.State, Msg: d.why, PID: firstPID(st)})
		return nil
	}
	if !setup.Ran { // a setup that ran checked the tools before it did
		if err := a.checkTools(ctx, s, env, sink); err != nil {
			return err
		}
	}
	if d.action == actStart {
		// decide starts only what does not run
		spec.Why = "it was not running" + note
		if why := a.swappedWorker(s.Name); why != "" {
			// Its code may have moved too: say both.
			if was, known := a.records.get(s.Name); known && was.head != "" && head != "" && was.head != head {
				why = a.moved(ctx, s.Dir, was.head, head) + ", " + why
			}
			spec.Why = why
		}
		err = a.runner.Start(ctx, spec)
	} else {
		err = a.runner.Replace(ctx, spec, d.why)
	}
	if err == nil {
		a.records.set(s.Name, applied{shape: want, head: head})
	}
	return err
}

// specOf is the spec of s's worker.
func specOf(s *manifest.Service, env []string) workers.Spec {
	return workers.Spec{
		Name: s.Name, Dir: s.RunDir(), Command: s.Run, Env: env,
		Replicas: s.Replicas, Restart: s.Restart, Ready: s.Ready,
	}
}

// track has the watcher follow s's files, as this apply left s.
func (a *apply) track(s *manifest.Service, env []string) {
	if a.watching != nil {
		a.watching.track(s, env, specOf(s, env), a.watchFlag)
	}
}

// pause and resume keep what this apply writes to a repo from reading as
// a change of the developer's.
func (a *apply) pause(name string) {
	if a.watching != nil {
		a.watching.pause(name)
	}
}

func (a *apply) resume(name string) {
	if a.watching != nil {
		a.watching.resume(name)
	}
}

// checkTools fails a worker whose node, go, ruby or python is missing or
// of the wrong version, before it starts, in doctor's words; the other
// services go on. A setup checks them the same way (verifyTools) before its
// commands run.
func (a *apply) checkTools(ctx context.Context, s *manifest.Service, env []string, sink event.Sink) error {
	if err := a.verifyTools(ctx, s, env); err != nil {
		sink.Emit(event.Event{Kind: event.Worker, Name: s.Name, Phase: event.Failed, Error: err.Error()})
		return err
	}
	return nil
}

func (a *apply) verifyTools(ctx context.Context, s *manifest.Service, env []string) error {
	if a.tools == nil {
		return nil
	}
	return a.tools(ctx, a.m, s, env)
}

// workerNotTouched reports a worker whose repo, setup or needs failed: it
// was not started or restarted; if it runs, its old version goes on.
func (a *apply) workerNotTouched(s *manifest.Service, ne *NeedError, sink event.Sink) {
	if _, running := a.runner.Running(s.Name); running {
		st := a.status(s.Name)
		msg := "not restarted: it needs " + displayName(ne.Need) + ", which failed; the running one goes on"
		if ne.Need == setupID(s.Name) {
			// Its own build failed: what runs is the build before it.
			msg = "runs the previous build: its setup failed; fix it, then run crispify again (crispify logs " + s.Name + " has the output)"
		}
		sink.Emit(event.Event{Kind: event.Worker, Name: s.Name, Phase: st.State, PID: firstPID(st), Msg: msg})
		return
	}
	sink.Emit(event.Event{Kind: event.Worker, Name: s.Name, Phase: event.Failed, Error: ne.Error()})
}

func (a *apply) status(name string) workers.Status {
	for _, st := range a.runner.Status() {
		if st.Name == name {
			return st
		}
	}
	return workers.Status{Name: name, State: event.Stopped}
}

func firstPID(st workers.Status) int {
	if len(st.PIDs) > 0 {
		return st.PIDs[0]
	}
	return 0
}
