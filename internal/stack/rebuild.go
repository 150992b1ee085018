package stack

import (
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/manifest"
	"github.com/crispify/crispify/internal/repos"
	"github.com/crispify/crispify/internal/watch"
	"github.com/crispify/crispify/internal/workers"
)

// The inner loop of a stack: from a change the watcher saw to the worker
// rebuilt, one rebuild at a time per service, what came meanwhile after.

// follow acts on the watcher's changes until it is closed, each service's
// one at a time.
func (w *watching) follow() {
	var all sync.WaitGroup
	defer all.Wait()
	for c := range w.watcher.Changes() {
		w.refreshGit(c.Service)
		release, free := w.offer(c)
		if !free {
			continue
		}
		all.Go(func() {
			for next := &c; next != nil; next = w.after(c.Service, release) {
				w.restart(*next)
			}
		})
	}
}

// offer takes c's service's turn to rebuild it, or queues c behind the
// rebuild that holds it (free is false). A save made while the worker is
// rebuilt is applied after it, never dropped: the rebuild under way may
// have read the files before it.
func (w *watching) offer(c watch.Change) (release func(), free bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	release, free = w.rebuilds.TryTake(c.Service, "rebuild")
	if !free {
		w.queued[c.Service] = merged(w.queued[c.Service], c)
	}
	return release, free
}

// after is what the rebuild holding service's turn does next: the change
// queued meanwhile, or nil once it gave the turn back (none was, or
// watching ends). The turn is given back under mu, so that no change is
// queued behind a turn no one holds.
func (w *watching) after(service string, release func()) *watch.Change {
	w.mu.Lock()
	defer w.mu.Unlock()
	next := w.queued[service]
	delete(w.queued, service)
	if next == nil || w.ctx.Err() != nil {
		release()
		return nil
	}
	return next
}

// merged is the change that came while a restart was under way, with the
// one before it that was not applied yet.
func merged(pending *watch.Change, c watch.Change) *watch.Change {
	if pending != nil {
		c.Files += pending.Files
		c.SetupChanged = append(slices.Clone(pending.SetupChanged), c.SetupChanged...)
		if c.Trigger == "" {
			c.Trigger = pending.Trigger
		}
	}
	return &c
}

// refreshGit reads the git state of a service's repo again, after its
// files changed (a save makes it dirty, a checkout moves its branch), and
// tells the boards when it differs.
func (w *watching) refreshGit(name string) {
	w.mu.Lock()
	t, ok := w.targets[name]
	w.mu.Unlock()
	if !ok {
		return
	}
	// The repo's events are named by its clone, which services of one
	// repository share.
	last, seen := w.sup.stream.hub.Last(event.Repo, t.svc.CloneName())
	if !seen {
		return
	}
	e, changed, err := w.git.Refresh(w.ctx, last, t.svc.Dir, t.svc.Branch)
	if err == nil && changed {
		w.sup.stream.Emit(e)
	}
}

// restart is the inner loop's step for one change: set up again when a
// setup_when file changed, then restart the worker, rolling where it can.
// A setup that fails leaves the worker failed with its output; a worker
// that does not come up fails at once: either waits for the next change.
func (w *watching) restart(c watch.Change) {
	w.mu.Lock()
	t, ok := w.targets[c.Service]
	w.mu.Unlock()
	if !ok {
		return
	}
	s := w.sup
	ctx := w.ctx
	why := c.Reason()
	w.pause(c.Service) // what setup and the restart write is ours
	// What the service's files were before the rebuild: a save made while
	// it was under way (the watcher is paused) is found by comparing after.
	var before *workers.Source
	if read, err := repos.ReadSource(ctx, t.svc.Dir); err == nil {
		before = scopedSource(t.svc, read, repos.ChangedFiles)
	}
	defer func() {
		w.resume(c.Service)
		w.recheck(t.svc, before)
	}()
	if len(t.svc.Setup) > 0 {
		// The same setup an apply runs: without setup_when, any change
		// under the service's paths since its last build re-runs it.
		src := before
		if len(t.svc.SetupWhen) > 0 {
			src = nil
		}
		run, err := workers.RunSetup(ctx, s.files.dir, setupOf(t.svc, t.env, src, nil), s.stream)
		if err != nil {
			s.workers.Fail(ctx, c.Service, err)
			return
		}
		if run.Ran {
			why += ", setup re-ran"
		}
	}
	spec := t.spec
	spec.FailFast = true
	if err := s.workers.Replace(ctx, spec, why); err != nil {
		return // the worker's events say why; the next change tries again
	}
	head, _ := repos.Head(t.svc.Dir)
	s.records.set(c.Service, applied{shape: shapeOf(t.svc, t.env), head: head})
}

// recheck queues one more rebuild of svc when a file it tracks changed
// while the last one ran with the watcher paused, or HEAD moved. Files git
// does not track are left out: a build writes those (its output, a log it
// appends to), and counting them would rebuild for ever.
func (w *watching) recheck(svc *manifest.Service, before *workers.Source) {
	if before == nil || w.ctx.Err() != nil {
		return
	}
	read, err := repos.ReadSource(w.ctx, svc.Dir)
	if err != nil {
		return
	}
	after := scopedSource(svc, read, repos.ChangedFiles)
	saved := savedDuring(before, after)
	if saved == "" {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, busy := w.rebuilds.Holder(svc.Name); busy && w.queued[svc.Name] == nil {
		w.queued[svc.Name] = &watch.Change{Service: svc.Name, Trigger: saved, Files: 1}
	}
}

// savedDuring names a tracked file the developer changed between two
// readings of a service's source (or HEAD, when it moved), or is "".
func savedDuring(before, after *workers.Source) string {
	if before.Head != after.Head {
		return "HEAD"
	}
	tracked := func(sum string) bool { return sum != "" && !strings.HasPrefix(sum, repos.UntrackedMark) }
	for _, f := range slices.Sorted(maps.Keys(after.Changes)) {
		sum, old := after.Changes[f], before.Changes[f]
		if sum != old && (tracked(sum) || tracked(old)) {
			return f
		}
	}
	for _, f := range slices.Sorted(maps.Keys(before.Changes)) {
		if _, ok := after.Changes[f]; !ok && tracked(before.Changes[f]) {
			return f // changed back, or committed
		}
	}
	return ""
}
