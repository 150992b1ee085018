package workers

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/manifest"
)

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
	release, err := s.claim(ctx, spec.Name, "start")
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
	release, err := s.claim(ctx, spec.Name, "restart")
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

// claim serialises what is done to one worker (start, restart, stop,
// fail): a restart from the board must not cross an apply's, a stop waits
// for the start under way. It waits for the one under way, or for ctx;
// what says what it does, to whoever asks who holds the worker's turn.
func (s *Supervisor) claim(ctx context.Context, name, what string) (release func(), err error) {
	release, err = s.turns.Take(ctx, name, what, nil)
	if err != nil {
		return nil, fmt.Errorf("worker %s: waited for the change under way: %w", name, err)
	}
	return release, nil
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
