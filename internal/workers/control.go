package workers

import (
	"context"
	"errors"
	"fmt"

	"github.com/crispify/crispify/internal/event"
)

// Stop stops a worker: SIGTERM to each replica's process group, SIGKILL
// after its StopTimeout, or at once when ctx ends; it returns once every
// group is empty.
func (s *Supervisor) Stop(ctx context.Context, name string) error {
	release, err := s.claim(ctx, name, "stop")
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

// Fail stops the worker of name, if it runs, and reports it failed with
// err: its setup did not build after a change, say. A worker never started
// is reported failed all the same. The next Start or Replace starts it.
func (s *Supervisor) Fail(ctx context.Context, name string, err error) {
	release, cerr := s.claim(ctx, name, "fail")
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
