package stack

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/crispify/crispify/internal/event"
)

// A worker whose service left the manifest (removed, renamed, or its run
// taken out) has no other owner: an apply stops it, as compose's
// --remove-orphans does, and first, so that a service renamed on the same
// port finds the port free. It says so on the worker's row.

// noLongerInManifest is why such a worker stops.
const noLongerInManifest = "no longer in the manifest"

// planStop is the plan step of a worker an apply would stop.
const planStop event.Phase = "stop"

// removedWorkers are the workers that run but whose service the manifest
// no longer has, or no longer runs.
func (a *apply) removedWorkers() []string {
	var out []string
	for _, st := range a.runner.Status() {
		if s := a.m.Services[st.Name]; s != nil && s.Run != "" {
			continue
		}
		if _, running := a.runner.Running(st.Name); running {
			out = append(out, st.Name)
		}
	}
	slices.Sort(out)
	return out
}

// stopRemoved stops the workers of a.removed, together, and says why.
func (a *apply) stopRemoved(ctx context.Context) error {
	errs := make([]error, len(a.removed))
	var wg sync.WaitGroup
	for i, name := range a.removed {
		wg.Go(func() {
			if a.watching != nil {
				a.watching.untrack(name) // no save restarts it
			}
			if err := a.runner.Stop(ctx, name); err != nil {
				errs[i] = fmt.Errorf("stop worker %s, %s: %w", name, noLongerInManifest, err)
				a.sink.Emit(event.Event{Kind: event.Worker, Name: name, Phase: event.Failed, Error: errs[i].Error()})
				return
			}
			a.sink.Emit(event.Event{Kind: event.Worker, Name: name, Phase: event.Stopped, Msg: "stopped: " + noLongerInManifest})
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// untrack stops watching the files of a service that left the manifest.
func (w *watching) untrack(name string) {
	w.mu.Lock()
	_, known := w.targets[name]
	delete(w.targets, name)
	w.mu.Unlock()
	if known && w.watcher != nil {
		w.watcher.Remove(name)
	}
}
