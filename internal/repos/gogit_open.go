package repos

import (
	"bufio"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/go-git/go-billy/v5"
	"github.com/go-git/go-billy/v5/osfs"
	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// open opens the repository of the working copy in dir with go-git.
//
// A plain repository (.git a folder of its own) is opened as go-git's
// PlainOpen would, but with its pack indexes read through a buffer: go-git
// decodes an index a few bytes per read, a system call each, some 2,000
// for a small repo's, and a live stack's update opens every repo. Anything
// else (a linked worktree, .git a file) goes to PlainOpen itself.
func open(dir string) (*gogit.Repository, error) {
	gd := filepath.Join(dir, ".git")
	fi, err := os.Stat(gd)
	if err != nil || !fi.IsDir() || exists(filepath.Join(gd, "commondir")) {
		// EnableDotGitCommonDir makes linked worktrees (.git is a file) work.
		return gogit.PlainOpenWithOptions(dir, &gogit.PlainOpenOptions{EnableDotGitCommonDir: true})
	}
	s := filesystem.NewStorage(bufferedIndexes{osfs.New(gd)}, cache.NewObjectLRUDefault())
	return gogit.Open(s, osfs.New(dir))
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return !errors.Is(err, fs.ErrNotExist)
}

// bufferedIndexes is a .git folder whose pack indexes (objects/pack/*.idx)
// open buffered for reading; everything else is the folder as it is.
type bufferedIndexes struct{ billy.Filesystem }

func (b bufferedIndexes) Open(name string) (billy.File, error) {
	f, err := b.Filesystem.Open(name)
	if err != nil || !strings.HasSuffix(name, ".idx") {
		return f, err
	}
	return &bufferedFile{File: f, r: bufio.NewReaderSize(f, 64<<10)}, nil
}

// bufferedFile reads a file through a buffer. Only reading is buffered:
// an index is read once from its start, which is all go-git does with one.
// Like the files of osfs it has no Stat, so go-git decodes it as before.
type bufferedFile struct {
	billy.File
	r *bufio.Reader
}

func (f *bufferedFile) Read(p []byte) (int, error) { return f.r.Read(p) }

// Seek drops what the buffer read ahead, so that a read after it starts
// where it says (ReadAt needs nothing: it does not use the offset).
func (f *bufferedFile) Seek(offset int64, whence int) (int64, error) {
	if whence == io.SeekCurrent {
		offset -= int64(f.r.Buffered())
	}
	n, err := f.File.Seek(offset, whence)
	f.r.Reset(f.File)
	return n, err
}

// openIn is open that reuses the repository already opened in dir by the
// job ctx belongs to (see withOpened).
func openIn(ctx context.Context, dir string) (*gogit.Repository, error) {
	o, _ := ctx.Value(openedKey{}).(*opened)
	if o == nil {
		return open(dir)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if r, ok := o.repos[dir]; ok {
		return r, nil
	}
	r, err := open(dir)
	if err == nil {
		o.repos[dir] = r
	}
	return r, err
}

// opened holds the repositories one job opened: its inspect, fetch, count
// and state read then share one object storage, and so read each pack's
// index once, not once each. It lives as long as the job's ctx.
type opened struct {
	mu    sync.Mutex
	repos map[string]*gogit.Repository
	dirty map[string]dirtyAt // what trackedChanges found, by folder
}

// dirtyAt is the tracked files found changed against a commit's tree.
type dirtyAt struct {
	tree  plumbing.Hash
	paths []string
}

// changesIn is trackedChanges, asked once per job and tree: a job's
// inspect before its fetch and its state read after it see the same
// working copy when HEAD did not move, and each is a stat of every
// tracked file. idx is the index when the caller read it already (the
// state read, which counts untracked files with it too), else nil.
func changesIn(ctx context.Context, repo *gogit.Repository, root, gd string, idx *indexFile, tree plumbing.Hash, cfg *config.Config) ([]string, error) {
	o, _ := ctx.Value(openedKey{}).(*opened)
	if o != nil {
		o.mu.Lock()
		d, ok := o.dirty[root]
		o.mu.Unlock()
		if ok && d.tree == tree {
			return slices.Clone(d.paths), nil
		}
	}
	if idx == nil {
		var err error
		if idx, err = readIndex(gd); err != nil {
			return nil, err
		}
	}
	paths, err := trackedChanges(ctx, repo, root, gd, idx, tree, cfg)
	if err == nil && o != nil {
		o.mu.Lock()
		o.dirty[root] = dirtyAt{tree: tree, paths: slices.Clone(paths)}
		o.mu.Unlock()
	}
	return paths, err
}

type openedKey struct{}

// withOpened gives ctx a place for the repositories its job opens.
func withOpened(ctx context.Context) context.Context {
	return context.WithValue(ctx, openedKey{}, &opened{repos: map[string]*gogit.Repository{}, dirty: map[string]dirtyAt{}})
}

// forgetOpened drops what the job opened in dir: git wrote there (a
// fast-forward may repack), so the next reader opens it afresh.
func forgetOpened(ctx context.Context, dir string) {
	if o, _ := ctx.Value(openedKey{}).(*opened); o != nil {
		o.mu.Lock()
		delete(o.repos, dir)
		delete(o.dirty, dir)
		o.mu.Unlock()
	}
}
