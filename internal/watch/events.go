package watch

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/fsnotify/fsnotify"
)

// loop reads the OS watcher's events until Close.
func (w *Watcher) loop() {
	defer w.wg.Done()
	for {
		select {
		case ev, ok := <-w.fsw.Events:
			if !ok {
				return
			}
			w.handle(ev)
		case err, ok := <-w.fsw.Errors:
			if !ok {
				return
			}
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				w.overflowed()
			}
			// Other errors are failed reads of the inotify descriptor,
			// which the next read retries; there is nothing to do.
		case <-w.done:
			return
		}
	}
}

// handle hands one event to every service that watches the folder it
// happened in, or the folder itself (an event of a watched folder's own):
// each decides by its own tree whether it counts.
func (w *Watcher) handle(ev fsnotify.Event) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return
	}
	// A copy: handling the event may take a service off the folder.
	to := slices.Clone(w.owners[filepath.Dir(ev.Name)])
	for _, svc := range w.owners[ev.Name] {
		if !slices.Contains(to, svc) {
			to = append(to, svc)
		}
	}
	if len(to) == 0 {
		return
	}
	gone := ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename)
	var info os.FileInfo
	if !gone {
		info, _ = os.Lstat(ev.Name) // nil when it is gone already
	}
	for _, svc := range to {
		w.handleFor(svc, ev, gone, info)
	}
}

// handleFor is handle for one service; info is what the event's path is
// now, nil when it is gone.
func (w *Watcher) handleFor(svc *service, ev fsnotify.Event, gone bool, info os.FileInfo) {
	if !svc.enabled || svc.polling {
		return
	}
	rel, ok := svc.tree.rel(ev.Name)
	if !ok {
		return
	}
	if rel == "." {
		if gone {
			w.unwatchAll(svc)
			svc.problem = fmt.Errorf("watch %s: its folder %s was removed or moved: watching stopped; turn it off and on again once the repo is back", svc.cfg.Name, svc.cfg.Dir)
		}
		return
	}
	if gone && svc.dirs[ev.Name] {
		// A folder moved away or removed: its watches go, and the folder
		// counts as a change, since files that moved with it send nothing.
		w.unwatchUnder(svc, ev.Name)
		if svc.tree.counts(rel, true) {
			w.record(svc, rel)
		}
		return
	}
	known := info != nil
	if known && info.IsDir() {
		if ev.Has(fsnotify.Create) && svc.tree.wantsDir(rel) {
			w.watchNew(svc, rel)
		}
		return
	}
	if ev.Op == fsnotify.Chmod {
		return // touch, indexers and virus scanners: the content is the same
	}
	if path.Base(rel) == ".gitignore" {
		w.rescan(svc)
	}
	// What is gone may have been a file or a folder: it counts only when
	// neither would be ignored (rm -r node_modules restarts nothing).
	if svc.tree.counts(rel, false) && (known || svc.tree.counts(rel, true)) {
		w.record(svc, rel)
	}
}

// watchFrom adds OS watches on the watched folders from rel down. With
// report, the files found count as changed: they may have been written
// before their folder was watched (mkdir -p a/b && echo > a/b/c). It stops
// at the OS's limit, returning a *LimitError after removing every watch of
// svc. Called with w.mu held.
func (w *Watcher) watchFrom(svc *service, rel string, report bool) error {
	var onFile func(string, fs.DirEntry) error
	if report {
		onFile = func(rel string, _ fs.DirEntry) error {
			w.record(svc, rel)
			return nil
		}
	}
	err := svc.tree.walk(rel, func(abs, _ string) error { return w.watchDir(svc, abs) }, onFile)
	if err != nil {
		w.unwatchAll(svc)
		return w.limitError(svc, err)
	}
	return nil
}

// watchDir adds one folder to svc's. The OS watches it once, whatever
// the number of services that watch it: only the first takes a watch. A
// folder that vanished or cannot be read is skipped (a worker cannot
// depend on what nobody can read); only the OS's limit stops the walk.
func (w *Watcher) watchDir(svc *service, abs string) error {
	if svc.dirs[abs] {
		return nil
	}
	if len(w.owners[abs]) == 0 {
		if err := w.add(abs); err != nil {
			if isLimit(err) {
				return err
			}
			return nil
		}
	}
	svc.dirs[abs] = true
	w.owners[abs] = append(w.owners[abs], svc)
	return nil
}

// watchNew watches a folder created (or moved in) after the start; past
// the OS's limit the service falls back to polling, the new folder
// counting as changed.
func (w *Watcher) watchNew(svc *service, rel string) {
	if err := w.watchFrom(svc, rel, true); err != nil {
		w.startPolling(svc, err)
		w.record(svc, rel)
	}
}

// rescan reads every .gitignore again and makes the watched folders match
// them: a .gitignore changed.
func (w *Watcher) rescan(svc *service) {
	svc.tree.rules = svc.tree.rules.fresh()
	want := map[string]bool{}
	err := svc.tree.walk(".", func(abs, _ string) error {
		want[abs] = true
		return w.watchDir(svc, abs)
	}, nil)
	if err != nil {
		w.unwatchAll(svc)
		w.startPolling(svc, w.limitError(svc, err))
		return
	}
	for abs := range svc.dirs {
		if !want[abs] {
			w.unwatch(svc, abs)
		}
	}
}

// overflowed handles the OS dropping events: every watched service may
// have changed, and may have new folders.
func (w *Watcher) overflowed() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, svc := range w.services {
		if svc.enabled && !svc.polling {
			w.rescan(svc)
			w.recordLost(svc)
		}
	}
}

// unwatch takes folder abs off svc's; its OS watch goes with the last
// service that watched it.
func (w *Watcher) unwatch(svc *service, abs string) {
	delete(svc.dirs, abs)
	if rest := slices.DeleteFunc(w.owners[abs], func(s *service) bool { return s == svc }); len(rest) > 0 {
		w.owners[abs] = rest
		return
	}
	delete(w.owners, abs)
	// The OS drops the watch of a removed folder by itself: an error here
	// only says it is gone already.
	_ = w.fsw.Remove(abs)
}

// unwatchUnder removes the watches of folder abs and of every folder in
// it, and forgets their .gitignore files.
func (w *Watcher) unwatchUnder(svc *service, abs string) {
	for d := range svc.dirs {
		if within(d, abs) {
			w.unwatch(svc, d)
		}
	}
	if rel, ok := svc.tree.rel(abs); ok {
		for folder := range svc.tree.rules.files {
			if folder == rel || strings.HasPrefix(folder, rel+"/") {
				delete(svc.tree.rules.files, folder)
			}
		}
	}
}

func (w *Watcher) unwatchAll(svc *service) {
	for d := range svc.dirs {
		w.unwatch(svc, d)
	}
}
