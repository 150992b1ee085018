package repos

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"github.com/go-git/go-git/v5/config"
)

// countUntracked counts what in the working copy at root git neither
// tracks nor ignores, as `git status` lists it by default
// (--untracked-files=normal, not -uall): each such file, and each folder
// holding no tracked file once, when it holds anything not ignored (a new
// folder of 30 files is one: "I forgot to add it" is one thing to do).
// Empty folders do not count; a nested repository not added as a
// submodule counts once, unread.
//
// It reads the folders git reads and no other: those holding tracked
// files, through the index's sorted paths rather than a lookup table, and
// each new folder only until its first file not ignored. It never goes
// into an ignored folder (node_modules, vendor, build output), whatever
// it holds, as git does not. idx is the index of git folder gd. It writes
// nothing.
func countUntracked(ctx context.Context, root, gd string, idx *indexFile, cfg *config.Config) (int, error) {
	w := &untrackedWalk{ctx: ctx, index: idx.entries, rules: newIgnoreRules(root, gd, cfg)}
	if err := w.tracked(root, "", 0, len(idx.entries)); err != nil {
		return 0, err
	}
	return w.count, nil
}

// untrackedWalk is one count: where it is and what it found.
type untrackedWalk struct {
	ctx   context.Context
	index []indexEntry // sorted by path, as git keeps them
	rules *ignoreRules
	parts []string // the path being looked at, from the top
	count int
}

// tracked reads a folder that holds tracked files: abs on disk, prefix its
// path in the index ("" for the top, else "src/lib/"), whose entries are
// index[lo:hi].
func (w *untrackedWalk) tracked(abs, prefix string, lo, hi int) error {
	if err := w.ctx.Err(); err != nil {
		return err
	}
	entries, err := readFolder(abs)
	if err != nil || entries == nil {
		return err
	}
	depth := len(w.parts)
	w.rules.enter(abs, depth, holdsGitignore(entries))
	defer w.rules.leave(depth)
	for _, e := range entries {
		name := e.Name()
		if name == ".git" {
			continue // git's own, or a submodule's
		}
		i := w.seek(lo, hi, len(prefix), name, -1)
		if i < hi && w.index[i].name[len(prefix):] == name {
			continue // a tracked file, symlink or submodule: trackedChanges' part
		}
		w.parts = append(w.parts, name)
		err := w.entry(abs, prefix, name, e.Type(), lo, hi)
		w.parts = w.parts[:depth]
		if err != nil {
			return err
		}
	}
	return nil
}

// entry looks at name, a child of the tracked folder abs not in the
// index itself. A symlink is a file to git, whatever it points to.
func (w *untrackedWalk) entry(abs, prefix, name string, t fs.FileMode, lo, hi int) error {
	switch {
	case t.IsDir():
		if w.rules.ignored(w.parts, true) {
			return nil
		}
		sub := filepath.Join(abs, name)
		// Its tracked files, if any: the paths from name/ up to name0,
		// '0' being the byte after '/'.
		slo, shi := w.seek(lo, hi, len(prefix), name, '/'), w.seek(lo, hi, len(prefix), name, '0')
		if slo < shi {
			return w.tracked(sub, prefix+name+"/", slo, shi)
		}
		found, err := w.holdsUntracked(sub)
		if found {
			w.count++
		}
		return err
	case t.IsRegular() || t&fs.ModeSymlink != 0:
		if !w.rules.ignored(w.parts, false) {
			w.count++
		}
	}
	return nil // a socket or a device: git lists none
}

// holdsUntracked reports whether the new folder abs holds anything git
// would list, stopping at the first: a nested repository, a file not
// ignored, or a folder that holds one.
func (w *untrackedWalk) holdsUntracked(abs string) (bool, error) {
	if err := w.ctx.Err(); err != nil {
		return false, err
	}
	if exists(filepath.Join(abs, ".git")) {
		return true, nil
	}
	entries, err := readFolder(abs)
	if err != nil || entries == nil {
		return false, err
	}
	depth := len(w.parts)
	w.rules.enter(abs, depth, holdsGitignore(entries))
	defer w.rules.leave(depth)
	defer func() { w.parts = w.parts[:depth] }()
	for _, e := range entries {
		t := e.Type()
		w.parts = append(w.parts[:depth], e.Name())
		switch {
		case t.IsDir():
			if w.rules.ignored(w.parts, true) {
				continue
			}
			if found, err := w.holdsUntracked(filepath.Join(abs, e.Name())); found || err != nil {
				return found, err
			}
		case t.IsRegular() || t&fs.ModeSymlink != 0:
			if !w.rules.ignored(w.parts, false) {
				return true, nil
			}
		}
	}
	return false, nil
}

// seek returns the first i in [lo, hi) whose index path, less its first
// skip bytes, is not before name followed by the byte next (name alone
// when next < 0): a binary search, as git's index is sorted bytewise.
func (w *untrackedWalk) seek(lo, hi, skip int, name string, next int) int {
	return lo + sort.Search(hi-lo, func(k int) bool { return !before(w.index[lo+k].name[skip:], name, next) })
}

// before reports whether s sorts before name followed by the byte next
// (name alone when next < 0), without building that string.
func before(s, name string, next int) bool {
	n := min(len(s), len(name))
	if c := strings.Compare(s[:n], name[:n]); c != 0 {
		return c < 0
	}
	switch {
	case len(s) < len(name):
		return true
	case next < 0:
		return false
	case len(s) == len(name):
		return true
	}
	return int(s[len(name)]) < next
}

// readFolder lists a folder in the order the system gives (sorting a
// folder of thousands costs as much as reading it, and nothing here needs
// it); nil, and no error, when it is gone or cannot be read, which git
// passes over too.
func readFolder(abs string) ([]os.DirEntry, error) {
	f, err := os.Open(abs)
	if err == nil {
		var entries []os.DirEntry
		entries, err = f.ReadDir(-1)
		f.Close()
		if err == nil {
			return entries, nil
		}
	}
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.ENOTDIR) {
		return nil, nil
	}
	return nil, err
}

func holdsGitignore(entries []os.DirEntry) bool {
	for _, e := range entries {
		if e.Name() == ".gitignore" {
			return true
		}
	}
	return false
}
