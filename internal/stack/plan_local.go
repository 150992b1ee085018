package stack

import (
	"context"
	"errors"
	"os"

	"github.com/crispify/crispify/internal/docker"
	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/repos"
	"github.com/crispify/crispify/internal/toolchain"
	"github.com/crispify/crispify/internal/workers"
)

// Plan prints what an apply of req would do, as plan events to sink, and
// changes nothing (--dry-run). A running stack plans against what it runs;
// without one, the plan is the boot from what is on disk, made here: no
// supervisor is started, no leftover process ended.
func (st *Stack) Plan(ctx context.Context, req Request, sink event.Sink) (Result, error) {
	req.DryRun = true
	c, err := st.Dial(ctx)
	if err == nil {
		return c.Apply(ctx, req, sink.Emit)
	}
	if !errors.Is(err, ErrNotRunning) {
		return Result{}, err
	}
	a, err := st.applyHere(ctx, req)
	if err != nil {
		return Result{Usage: IsUsage(err)}, err
	}
	if req.Switch != nil {
		if err := st.planSwitchHere(ctx, a, *req.Switch, true, event.Discard); err != nil {
			return Result{Usage: IsUsage(err)}, err
		}
	}
	return a.planOnly(ctx, sink), nil
}

// idle is the runner of a stack that does not run: no worker runs.
type idle struct{}

func (idle) Start(context.Context, workers.Spec) error           { return errNotRunning }
func (idle) Replace(context.Context, workers.Spec, string) error { return errNotRunning }
func (idle) Stop(context.Context, string) error                  { return errNotRunning }
func (idle) Running(string) (workers.Spec, bool)                 { return workers.Spec{}, false }
func (idle) Status() []workers.Status                            { return nil }

var errNotRunning = errors.New("no stack runs: a dry run starts nothing")

// applyHere makes the apply of req in this process, for a stack no
// supervisor runs: no worker runs, and none is started (idle).
func (st *Stack) applyHere(ctx context.Context, req Request) (*apply, error) {
	sel, err := Select(st.Manifest, req.Names, req.Profile)
	if err != nil {
		return nil, &UsageError{Err: err}
	}
	backend, err := backendOf(req.Backend)
	if err != nil {
		return nil, &UsageError{Err: err}
	}
	a := &apply{
		m: st.Manifest, sel: sel, mode: req.Mode, runner: idle{}, records: newRecords(), sink: event.Discard,
		repoOpts: repos.Options{Update: req.Mode == Remote, Backend: backend},
		base:     req.Env,
		heads:    map[string]string{}, setups: map[string]workers.SetupRun{}, sources: map[string]*sourceRead{},
		sync: repos.SyncOne, head: repos.Head, moved: repos.Moved, tools: toolchain.Verify,
		readSource: repos.ReadSource, changed: repos.ChangedFiles,
	}
	if a.base == nil {
		a.base = os.Environ()
	}
	host := "127.0.0.1"
	if len(sel.Infra) > 0 {
		engine, ep, err := st.Connect(ctx)
		if err != nil {
			return nil, err
		}
		data, err := dataBranch(st.Manifest)
		if err != nil {
			return nil, err
		}
		a.project = docker.NewProject(docker.ProjectOptions{Engine: engine, Manifest: st.Manifest, Pull: req.Mode == Remote, Local: ep.Local(), DataBranch: data})
		host = hostAddress(ep)
	}
	a.builtins = builtinsOf(st.Manifest, host)
	if a.kept, err = readBranches(st.Manifest.StateDir()); err != nil {
		return nil, err
	}
	return a, nil
}
