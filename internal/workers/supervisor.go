package workers

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/turn"
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

	// turns are the workers' own: one change at a time per worker (claim).
	turns turn.Turns

	mu       sync.Mutex
	workers  map[string]*worker
	watchdog *watchdog // started with the first worker
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
		workers: map[string]*worker{},
	}, nil
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
