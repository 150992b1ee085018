package watch

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// tree is what of one repo is watched: the paths a service narrows it to,
// the setup_when files, and the ignore rules.
type tree struct {
	dir string // the repo, absolute
	// paths are the watched files and folders, relative and
	// slash-separated; none means the whole repo.
	paths []string
	// pinned are the setup_when files: they count even where the rules or
	// the paths would leave them out, since a changed lock file must re-run
	// setup.
	pinned []string
	rules  *rules
}

// errStop ends a walk early.
var errStop = errors.New("stop walking")

// named tells whether rel is the repo, a watched path or a folder above
// one: what the user named is never ignored.
func (t *tree) named(rel string) bool {
	if rel == "." {
		return true
	}
	for _, p := range t.paths {
		if rel == p || strings.HasPrefix(p, rel+"/") {
			return true
		}
	}
	return false
}

// inPaths tells whether rel is a watched path or inside one.
func (t *tree) inPaths(rel string) bool {
	if len(t.paths) == 0 {
		return true
	}
	for _, p := range t.paths {
		if rel == p || strings.HasPrefix(rel, p+"/") {
			return true
		}
	}
	return false
}

// isPinned tells whether rel is a setup_when file.
func (t *tree) isPinned(rel string) bool {
	for _, p := range t.pinned {
		if rel == p {
			return true
		}
	}
	return false
}

// abovePinned tells whether folder rel holds a setup_when file, at any depth.
func (t *tree) abovePinned(rel string) bool {
	for _, p := range t.pinned {
		if rel == "." || strings.HasPrefix(p, rel+"/") {
			return true
		}
	}
	return false
}

// ignored tells whether rel is left out: inside .git, or ignored itself or
// through a folder above it, as git decides (a file inside an ignored
// folder cannot be re-included). Folders the user named are not ignored.
func (t *tree) ignored(rel string, isDir bool) bool {
	if rel == "." {
		return false
	}
	parts := strings.Split(rel, "/")
	for _, part := range parts {
		if strings.EqualFold(part, ".git") {
			return true
		}
	}
	if t.isPinned(rel) {
		return false
	}
	for i := 1; i < len(parts); i++ {
		folder := strings.Join(parts[:i], "/")
		if !t.named(folder) && t.rules.ignored(parts[:i], true) {
			return true
		}
	}
	if t.named(rel) {
		return false
	}
	return t.rules.ignored(parts, isDir)
}

// counts tells whether a change of file rel is reported.
func (t *tree) counts(rel string, isDir bool) bool {
	return (t.inPaths(rel) || t.isPinned(rel)) && !t.ignored(rel, isDir)
}

// wantsDir tells whether folder rel is watched: a watched folder that is
// not ignored, or one on the way to a watched path or a setup_when file.
func (t *tree) wantsDir(rel string) bool {
	if t.named(rel) || t.abovePinned(rel) && !t.insideGit(rel) {
		return true
	}
	return t.inPaths(rel) && !t.ignored(rel, true)
}

func (t *tree) insideGit(rel string) bool {
	for _, part := range strings.Split(rel, "/") {
		if strings.EqualFold(part, ".git") {
			return true
		}
	}
	return false
}

// rel returns abs relative to the repo, slash-separated, and whether it is
// inside the repo at all.
func (t *tree) rel(abs string) (string, bool) {
	r, err := filepath.Rel(t.dir, abs)
	if err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		return "", false
	}
	return filepath.ToSlash(r), true
}

// walk visits the watched folders from rel (which must be one), reading
// each one's .gitignore as it enters it, and the counted files in them.
// onDir sees a folder before its entries.
// Symlinks are not followed: a link is a file of the repo, wherever it
// points. Folders that vanish or cannot be read during the walk are
// skipped; onDir's error stops it and is returned.
func (t *tree) walk(rel string, onDir func(abs, rel string) error, onFile func(rel string, d fs.DirEntry) error) error {
	var dir func(int, string, string) error
	if onDir != nil {
		dir = func(_ int, abs, rel string) error { return onDir(abs, rel) }
	}
	var file func(int, string, fs.DirEntry) error
	if onFile != nil {
		file = func(_ int, rel string, d fs.DirEntry) error { return onFile(rel, d) }
	}
	return walkTrees([]*tree{t}, rel, dir, file)[0]
}

// walkTrees walks several trees of one repo from rel (a watched folder of
// each) at once, as walk does, reading each folder once for all the trees
// that watch it: tree i sees what its own walk would, in the same order.
// An error of onDir or onFile for tree i ends that tree's walk alone, and
// is errs[i].
func walkTrees(trees []*tree, rel string, onDir func(i int, abs, rel string) error, onFile func(i int, rel string, d fs.DirEntry) error) (errs []error) {
	wk := &walker{trees: trees, errs: make([]error, len(trees)), onDir: onDir, onFile: onFile}
	if len(trees) == 0 {
		return nil
	}
	in := make([]int, len(trees))
	for i := range in {
		in[i] = i
	}
	wk.visit(rel, in)
	return wk.errs
}

// walker is one walk of walkTrees.
type walker struct {
	trees  []*tree
	errs   []error
	onDir  func(i int, abs, rel string) error
	onFile func(i int, rel string, d fs.DirEntry) error
}

// visit walks folder rel for the trees in (by index) that watch it.
func (wk *walker) visit(rel string, in []int) {
	abs := filepath.Join(wk.trees[in[0]].dir, filepath.FromSlash(rel))
	// The folder is watched before it is read: what appears in it after
	// the watch sends events, what was there before is read.
	if wk.onDir != nil {
		for _, i := range in {
			wk.errs[i] = wk.onDir(i, abs, rel)
		}
	}
	if wk.ended(in) {
		return
	}
	entries, err := os.ReadDir(abs)
	if err != nil {
		return // gone or unreadable since its parent was read
	}
	for _, e := range entries {
		if e.Name() == ".gitignore" && !e.IsDir() {
			list := readIgnoreFile(abs)
			for _, i := range in {
				wk.trees[i].rules.set(rel, list)
			}
			break
		}
	}
	for _, e := range entries {
		if wk.ended(in) {
			return
		}
		child := e.Name()
		if rel != "." {
			child = rel + "/" + child
		}
		if e.IsDir() {
			var sub []int
			for _, i := range in {
				if wk.errs[i] == nil && wk.trees[i].wantsDir(child) {
					sub = append(sub, i)
				}
			}
			if len(sub) > 0 {
				wk.visit(child, sub)
			}
			continue
		}
		if wk.onFile == nil {
			continue
		}
		for _, i := range in {
			if wk.errs[i] == nil && wk.trees[i].counts(child, false) {
				wk.errs[i] = wk.onFile(i, child, e)
			}
		}
	}
}

// ended tells whether the walk of every tree in has ended.
func (wk *walker) ended(in []int) bool {
	for _, i := range in {
		if wk.errs[i] == nil {
			return false
		}
	}
	return true
}
