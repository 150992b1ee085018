package workers

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"sync"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/manifest"
)

// Supervisor runs workers and keeps them running. It emits every change and
// every line of output as events, from its own goroutines: the sink must
// not block for long, and must not call back into the Supervisor.
type Supervisor struct {
	stateDir    string
	sink        event.Sink
	watchdogCmd []string
	state       *stateRecord
	tracker     *tracker // finds every process descended from a worker's
	logMax      int64    // the log rotation size; tests make it small

	mu       sync.Mutex
	workers  map[string]*worker
	turns    map[string]chan struct{} // one change at a time per worker: claim
	watchdog *watchdog                // started with the first worker
	closed   bool
}

// New returns a Supervisor keeping its state in opts.StateDir.
func New(opts Options) (*Supervisor, error) {
	if opts.StateDir == "" {
		return nil, errors.New("start the worker supervisor: no state folder given")
	}
	dir, err := filepath.Abs(opts.StateDir)
	if err != nil {
		return nil, fmt.Errorf("start the worker supervisor: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("start the worker supervisor: create %s: %w", dir, err)
	}
	if opts.Sink == nil {
		opts.Sink = event.Discard
	}
	statePath := opts.StatePath
	if statePath == "" {
		statePath = StatePath(dir, "")
	}
	cmd := opts.WatchdogCommand
	if len(cmd) == 0 {
		exe, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("start the worker supervisor: find crispify's own binary for the watchdog: %w", err)
		}
		cmd = []string{exe, WatchdogArg}
	}
	return &Supervisor{
		stateDir: dir, sink: opts.Sink, watchdogCmd: cmd,
		state: newStateRecord(statePath), tracker: newTracker(), logMax: logMaxSize,
		workers: map[string]*worker{}, turns: map[string]chan struct{}{},
	}, nil
}

// Start starts every replica of spec and returns once all are ready; or
// with an error (a *Failure: the exit code and last output lines, or the
// ready timeout) after stopping what it started; or when ctx ends, after
// stopping it too. Supervision (restarts) goes on in the background after
// Start returns, until Stop, StopAll or Close.
//
// Before a replica was ready once, it is restarted by its policy like any
// other, but three restarts within a minute fail Start rather than leave it
// sick: a worker that cannot come up is reported, not retried for ever.
func (s *Supervisor) Start(ctx context.Context, spec Spec) error {
	release, err := s.claim(ctx, spec.Name)
	if err != nil {
		return err
	}
	defer release()
	return s.start(ctx, spec)
}

func (s *Supervisor) start(ctx context.Context, spec Spec) error {
	if _, running := s.Running(spec.Name); !running {
		if f := portTaken(spec); f != nil {
			s.sink.Emit(f.event())
			return f
		}
	}
	w, err := s.add(spec)
	if err != nil {
		return err
	}
	return w.start(ctx)
}

// Replace restarts the running worker of spec's name with spec, and why
// says the reason in its events ("3 new commits"). A worker with several
// replicas, or ready by a line of output, rolls: each new replica is ready
// before the old one stops, and if a new one does not come up the old ones
// keep running and the error says so. Any other worker stops, then starts
// with spec. A worker that does not run is started.
func (s *Supervisor) Replace(ctx context.Context, spec Spec, why string) error {
	release, err := s.claim(ctx, spec.Name)
	if err != nil {
		return err
	}
	defer release()
	s.mu.Lock()
	w, ok := s.workers[spec.Name]
	s.mu.Unlock()
	if !ok || !w.running() {
		spec.Why = why
		return s.start(ctx, spec)
	}
	gen, err := newGeneration(spec)
	if err != nil {
		return fmt.Errorf("restart worker %s: %w", spec.Name, err)
	}
	w.mu.Lock()
	old := w.gen.spec
	w.mu.Unlock()
	return w.replace(ctx, gen, why, rolls(old, gen.spec))
}

// claim serialises what is done to one worker (start, restart, stop): a
// restart from the board must not cross an apply's. It waits for the one
// under way, or for ctx.
func (s *Supervisor) claim(ctx context.Context, name string) (release func(), err error) {
	s.mu.Lock()
	turn, ok := s.turns[name]
	if !ok {
		turn = make(chan struct{}, 1)
		s.turns[name] = turn
	}
	s.mu.Unlock()
	select {
	case turn <- struct{}{}:
		return func() { <-turn }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("worker %s: waited for the change under way: %w", name, ctx.Err())
	}
}

// add makes the worker of spec and registers it, replacing a worker of the
// same name that no longer runs.
func (s *Supervisor) add(spec Spec) (*worker, error) {
	gen, err := newGeneration(spec)
	if err != nil {
		f := &Failure{Kind: event.Worker, Name: spec.Name, What: err.Error(), Hint: "fix the service in the manifest; crispify validate checks it"}
		s.sink.Emit(f.event())
		return nil, f
	}
	spec = gen.spec
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, fmt.Errorf("start worker %s: the supervisor is closed", spec.Name)
	}
	old, ok := s.workers[spec.Name]
	if ok && old.running() {
		return nil, fmt.Errorf("start worker %s: it is already running: restart it instead", spec.Name)
	}
	if ok {
		old.retire()
	}
	if s.watchdog == nil {
		wd, err := startWatchdog(s.watchdogCmd, s.state.path)
		if err != nil {
			return nil, fmt.Errorf("start worker %s: %w", spec.Name, err)
		}
		s.watchdog = wd
	}
	log, err := openLog(s.stateDir, spec.Name, s.logMax)
	if err != nil {
		return nil, fmt.Errorf("start worker %s: %w", spec.Name, err)
	}
	w := newWorker(s, gen, log)
	s.workers[spec.Name] = w
	return w, nil
}

// normalize fills spec's defaults and checks what the manifest's validation
// may not have: a Spec can come from elsewhere.
func normalize(spec Spec) (Spec, *regexp.Regexp, error) {
	if spec.Name == "" {
		return spec, nil, errors.New("a worker needs a name")
	}
	if spec.Command == "" {
		return spec, nil, errors.New("no run command")
	}
	spec.Replicas = max(spec.Replicas, 1)
	if spec.StopTimeout <= 0 {
		spec.StopTimeout = DefaultStopTimeout
	}
	switch spec.Restart {
	case "":
		spec.Restart = manifest.DefaultRestart
	case manifest.RestartOnFailure, manifest.RestartAlways, manifest.RestartNever:
	default:
		return spec, nil, fmt.Errorf("restart %q: want on-failure, always or never", spec.Restart)
	}
	if spec.Env == nil {
		spec.Env = os.Environ()
	}
	var logRE *regexp.Regexp
	if spec.Ready != nil && spec.Ready.Log != "" {
		re, err := regexp.Compile(spec.Ready.Log)
		if err != nil {
			return spec, nil, fmt.Errorf("ready.log %q: %w", spec.Ready.Log, err)
		}
		logRE = re
	}
	return spec, logRE, nil
}

// Stop stops a worker: SIGTERM to each replica's process group, SIGKILL
// after its StopTimeout, or at once when ctx ends; it returns once every
// group is empty.
func (s *Supervisor) Stop(ctx context.Context, name string) error {
	release, err := s.claim(ctx, name)
	if err != nil {
		return err
	}
	defer release()
	w, err := s.get(name)
	if err != nil {
		return fmt.Errorf("stop worker %s: %w", name, err)
	}
	return w.stop(ctx)
}

// Restart starts a worker again from scratch, its restart count and
// backoff too: a restart by hand, rolling where Replace would roll. A
// worker that stopped or failed starts again.
func (s *Supervisor) Restart(ctx context.Context, name string) error {
	w, err := s.get(name)
	if err != nil {
		return fmt.Errorf("restart worker %s: %w", name, err)
	}
	w.mu.Lock()
	spec := w.gen.spec
	w.mu.Unlock()
	return s.Replace(ctx, spec, "by hand")
}

// Running reports whether the worker of name runs (starting, ready, sick
// or restarting), and the spec it was last started or restarted with.
func (s *Supervisor) Running(name string) (Spec, bool) {
	s.mu.Lock()
	w, ok := s.workers[name]
	s.mu.Unlock()
	if !ok {
		return Spec{}, false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.gen.spec, w.runningLocked()
}

// StopAll stops the workers of each level in parallel, one level after the
// other (pass the reverse dependency order), then those in no level. It
// goes on past failures and returns them all.
func (s *Supervisor) StopAll(ctx context.Context, levels [][]string) error {
	s.mu.Lock()
	rest := make(map[string]*worker, len(s.workers))
	for name, w := range s.workers {
		rest[name] = w
	}
	s.mu.Unlock()
	var errs []error
	stopLevel := func(ws []*worker) {
		ch := make(chan error, len(ws))
		for _, w := range ws {
			go func() { ch <- w.stop(ctx) }()
		}
		for range ws {
			if err := <-ch; err != nil {
				errs = append(errs, err)
			}
		}
	}
	for _, level := range levels {
		var ws []*worker
		for _, name := range level {
			if w, ok := rest[name]; ok {
				ws = append(ws, w)
				delete(rest, name)
			}
		}
		stopLevel(ws)
	}
	var last []*worker
	for _, name := range sortedNames(rest) {
		last = append(last, rest[name])
	}
	stopLevel(last)
	return errors.Join(errs...)
}

// Status returns where every worker stands, by name.
func (s *Supervisor) Status() []Status {
	s.mu.Lock()
	ws := make([]*worker, 0, len(s.workers))
	for _, name := range sortedNames(s.workers) {
		ws = append(ws, s.workers[name])
	}
	s.mu.Unlock()
	out := make([]Status, 0, len(ws))
	for _, w := range ws {
		out = append(out, w.status())
	}
	return out
}

// Close stops every worker and ends the watchdog. The Supervisor starts
// nothing afterwards.
func (s *Supervisor) Close(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	err := s.StopAll(ctx, nil)
	s.mu.Lock()
	wd := s.watchdog
	s.watchdog = nil
	s.mu.Unlock()
	if wd != nil {
		err = errors.Join(err, wd.close())
	}
	return err
}

func (s *Supervisor) get(name string) (*worker, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w, ok := s.workers[name]
	if !ok {
		return nil, fmt.Errorf("no worker %s runs under this supervisor: start it with `crispify run %s`", name, name)
	}
	return w, nil
}

// track records a process that started, and its family, in the books of
// the watchdog and of the state file; an error says the state file could
// not take it. untrack, once its family is gone.
func (s *Supervisor) track(name string, replica int, p *proc) error {
	if err := s.state.add(name, replica, p.fam); err != nil {
		return err
	}
	p.fam.follow(func() { s.state.update(p.pid, p.fam, false) })
	s.mu.Lock()
	wd := s.watchdog
	s.mu.Unlock()
	if wd != nil {
		wd.watch(p.pid, p.fam.cgroupDir())
	}
	return nil
}

// unended keeps a process whose family a stop could not end in the state
// file, saying so: status and decrispify name what is left of it.
func (s *Supervisor) unended(p *proc) { s.state.update(p.pid, p.fam, true) }

func (s *Supervisor) untrack(pid int) {
	s.mu.Lock()
	wd := s.watchdog
	s.mu.Unlock()
	if wd != nil {
		wd.forget(pid)
	}
	s.state.remove(pid)
}

func sortedNames[V any](m map[string]V) []string {
	names := make([]string, 0, len(m))
	for name := range m {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// Has reports whether a worker of that name was started here, whether it
// runs now or not.
func (s *Supervisor) Has(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.workers[name]
	return ok
}

// Fail stops the worker of name, if it runs, and reports it failed with
// err: its setup did not build after a change, say. A worker never started
// is reported failed all the same. The next Start or Replace starts it.
func (s *Supervisor) Fail(ctx context.Context, name string, err error) {
	release, cerr := s.claim(ctx, name)
	if cerr != nil {
		return
	}
	defer release()
	f := asFailure(name, err)
	s.mu.Lock()
	w, ok := s.workers[name]
	s.mu.Unlock()
	if !ok {
		e := f.event()
		e.Kind, e.Name = event.Worker, name
		s.sink.Emit(e)
		return
	}
	w.halt(ctx)
	w.mu.Lock()
	defer w.mu.Unlock()
	w.failure, w.restarting = f, ""
	w.emitLocked(true, event.Event{ExitCode: f.ExitCode, Error: f.Error()})
}
