package repos

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
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
// files, each once, and each new folder only until its first file not
// ignored. It never goes into an ignored folder (node_modules, vendor,
// build output), whatever it holds, as git does not. idx is the index of
// git folder gd. It writes nothing.
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
// index[lo:hi]. Only what the index does not hold as a file is looked at
// further.
func (w *untrackedWalk) tracked(abs, prefix string, lo, hi int) error {
	if err := w.ctx.Err(); err != nil {
		return err
	}
	names, err := readNames(abs)
	if err != nil || names == nil {
		return err
	}
	depth := len(w.parts)
	w.rules.enter(abs, depth, slices.Contains(names, ".gitignore"))
	defer w.rules.leave(depth)
	kids := w.children(prefix, lo, hi, len(names))
	for _, name := range names {
		k, inIndex := kids[name]
		if name == ".git" || inIndex && !k.folder {
			continue // git's own; a tracked file, symlink or submodule (trackedChanges' part)
		}
		fi, err := os.Lstat(filepath.Join(abs, name))
		if err != nil {
			continue // gone meanwhile
		}
		w.parts = append(w.parts, name)
		switch t := fi.Mode().Type(); {
		case t.IsDir() && w.rules.ignored(w.parts, true):
		case t.IsDir() && inIndex:
			err = w.tracked(filepath.Join(abs, name), prefix+name+"/", k.lo, k.hi)
		case t.IsDir():
			var found bool
			if found, err = w.holdsUntracked(filepath.Join(abs, name)); found {
				w.count++
			}
		case t.IsRegular() || t == fs.ModeSymlink:
			// A symlink is a file to git, whatever it points to.
			if !w.rules.ignored(w.parts, false) {
				w.count++
			}
		}
		// Anything else (a socket, a device) git lists not.
		w.parts = w.parts[:depth]
		if err != nil {
			return err
		}
	}
	return nil
}

// child is what the index holds directly under a tracked folder, by name:
// a file (or symlink, or submodule), or a folder whose entries are
// index[lo:hi].
type child struct {
	folder bool
	lo, hi int
}

// children lists the index's entries index[lo:hi], all under prefix, by
// the name that follows prefix: one pass, since the entries under a
// folder "x/" follow one another in the index's bytewise order. About
// onDisk names are expected (the folder's listing): sized for them, the
// map is never grown.
func (w *untrackedWalk) children(prefix string, lo, hi, onDisk int) map[string]child {
	kids := make(map[string]child, min(hi-lo, onDisk))
	for i := lo; i < hi; {
		rest := w.index[i].name[len(prefix):]
		slash := strings.IndexByte(rest, '/')
		if slash < 0 {
			kids[rest] = child{lo: i, hi: i + 1}
			i++
			continue
		}
		folder := rest[:slash+1]
		j := i + 1
		for j < hi && strings.HasPrefix(w.index[j].name[len(prefix):], folder) {
			j++
		}
		kids[rest[:slash]] = child{folder: true, lo: i, hi: j}
		i = j
	}
	return kids
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
	entries, err := readEntries(abs)
	if err != nil || entries == nil {
		return false, err
	}
	depth := len(w.parts)
	w.rules.enter(abs, depth, slices.ContainsFunc(entries, func(e os.DirEntry) bool { return e.Name() == ".gitignore" }))
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
		case t.IsRegular() || t == fs.ModeSymlink:
			if !w.rules.ignored(w.parts, false) {
				return true, nil
			}
		}
	}
	return false, nil
}

// readNames lists the names in a folder in the order the system gives
// (sorting a folder of thousands costs as much as reading it, and nothing
// here needs it), without the type of each: in a tracked folder most are
// tracked files, which need none. nil, and no error, when the folder is
// gone or cannot be read, which git passes over too.
func readNames(abs string) ([]string, error) {
	f, err := os.Open(abs)
	if err == nil {
		var names []string
		names, err = f.Readdirnames(-1)
		f.Close()
		if err == nil {
			return names, nil
		}
	}
	return nil, unreadable(err)
}

// readEntries is readNames with each entry's type, as the system gives it.
func readEntries(abs string) ([]os.DirEntry, error) {
	f, err := os.Open(abs)
	if err == nil {
		var entries []os.DirEntry
		entries, err = f.ReadDir(-1)
		f.Close()
		if err == nil {
			return entries, nil
		}
	}
	return nil, unreadable(err)
}

// unreadable is nil for a folder that is gone, or that git could not read
// either, and err for anything else.
func unreadable(err error) error {
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.ENOTDIR) {
		return nil
	}
	return err
}
