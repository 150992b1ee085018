package watch

import (
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"time"
)

// stamp is what a poll pass compares of a file.
type stamp struct {
	mod  int64
	size int64
	mode fs.FileMode
}

// snapshot is one poll pass over a repo: at most PollMaxFiles files and
// folders, the counted files only, as git's rules leave them.
type snapshot struct {
	files     map[string]stamp
	truncated bool
}

// startPolling makes svc polled, for reason (a *LimitError), taking the
// first snapshot now so that what changes from here on is seen. Called with
// w.mu held.
func (w *Watcher) startPolling(svc *service, reason error) {
	w.unwatchAll(svc)
	svc.polling = true
	svc.snap = scan(svc.pollTree(), w.opts.PollMaxFiles)
	svc.problem = w.pollProblem(svc, w.limitError(svc, reason), svc.snap)
}

// pollProblem adds to the reason for polling that only part of the repo
// is polled.
func (w *Watcher) pollProblem(svc *service, reason error, snap *snapshot) error {
	if !snap.truncated {
		return reason
	}
	return errors.Join(reason, fmt.Errorf("poll %s (%s): more than %d files and folders: only the first %d are looked at; narrow what is watched with watch.paths or watch.ignore in the manifest",
		svc.cfg.Name, svc.cfg.Dir, w.opts.PollMaxFiles, w.opts.PollMaxFiles))
}

// pollTree is svc's tree with its .gitignore files to be read anew, so
// that a poll pass, which runs without w.mu, shares nothing that changes.
func (s *service) pollTree() *tree {
	t := *s.tree
	t.rules = s.tree.rules.fresh()
	return &t
}

// poll looks over the polled repos every PollInterval until Close.
func (w *Watcher) poll() {
	defer w.wg.Done()
	tick := time.NewTicker(w.opts.PollInterval)
	defer tick.Stop()
	for {
		select {
		case <-w.done:
			return
		case <-tick.C:
			w.pollOnce()
		}
	}
}

// pollOnce makes one pass over every polled repo, the walks outside
// w.mu: one walk per repo, whatever the number of its polled services.
func (w *Watcher) pollOnce() {
	type job struct {
		svc  *service
		tree *tree
		old  *snapshot
	}
	w.mu.Lock()
	var dirs []string
	jobs := map[string][]job{}
	for _, svc := range w.services {
		if svc.enabled && svc.polling && !w.closed {
			dir := svc.cfg.Dir
			if jobs[dir] == nil {
				dirs = append(dirs, dir)
			}
			jobs[dir] = append(jobs[dir], job{svc, svc.pollTree(), svc.snap})
		}
	}
	w.mu.Unlock()
	for _, dir := range dirs {
		group := jobs[dir]
		trees := make([]*tree, len(group))
		for i, j := range group {
			trees[i] = j.tree
		}
		snaps := scanTrees(trees, w.opts.PollMaxFiles)
		changed := make([][]string, len(group))
		for i, j := range group {
			changed[i] = diff(j.old, snaps[i])
		}
		w.mu.Lock()
		for i, j := range group {
			// A service turned off (or off and on) meanwhile has another
			// snapshot.
			if w.closed || j.svc.snap != j.old || !j.svc.polling {
				continue
			}
			snap := snaps[i]
			j.svc.snap = snap
			var reason error
			var le *LimitError
			if errors.As(j.svc.problem, &le) {
				reason = le
			}
			j.svc.problem = w.pollProblem(j.svc, reason, snap)
			for _, rel := range changed[i] {
				w.record(j.svc, rel)
			}
		}
		w.mu.Unlock()
	}
}

// scan walks a repo as the OS watcher would see it, stat'ing the counted
// files, at most max files and folders.
func scan(t *tree, max int) *snapshot {
	return scanTrees([]*tree{t}, max)[0]
}

// scanTrees scans several trees of one repo in one walk: a file that
// several count is stat'ed once, and each tree has its own max, so that
// it sees what a scan of its own would.
func scanTrees(trees []*tree, max int) []*snapshot {
	snaps := make([]*snapshot, len(trees))
	seen := make([]int, len(trees))
	for i := range snaps {
		snaps[i] = &snapshot{files: map[string]stamp{}}
	}
	budget := func(i int) error {
		seen[i]++
		if seen[i] > max {
			snaps[i].truncated = true
			return errStop
		}
		return nil
	}
	// The file stat'ed last: the trees that count a file see it one after
	// the other.
	var last string
	var st stamp
	var ok bool
	walkTrees(trees, ".", func(i int, _, _ string) error { return budget(i) }, func(i int, rel string, d fs.DirEntry) error {
		if err := budget(i); err != nil {
			return err
		}
		if rel != last {
			last = rel
			info, err := d.Info()
			ok = err == nil // else gone since the folder was read
			if ok {
				st = stamp{mod: info.ModTime().UnixNano(), size: info.Size(), mode: info.Mode()}
			}
		}
		if ok {
			snaps[i].files[rel] = st
		}
		return nil
	})
	return snaps
}

// diff lists the files added, changed or removed between two passes,
// sorted, so that the trigger of a change is the same on every machine.
func diff(old, cur *snapshot) []string {
	var out []string
	for rel, st := range cur.files {
		if prev, ok := old.files[rel]; !ok || prev != st {
			out = append(out, rel)
		}
	}
	for rel := range old.files {
		if _, ok := cur.files[rel]; !ok && !cur.truncated {
			out = append(out, rel)
		}
	}
	sort.Strings(out)
	return out
}
