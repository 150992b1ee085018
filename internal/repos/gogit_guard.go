package repos

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// What the git command refuses before it writes the working tree, and
// go-git does not: these guards make the go-git write path refuse it too.

// lockIndex takes the repo's index.lock the way git does, created
// exclusively: while another git holds it, that git may be writing the
// index, and an update would be lost or corrupt it. unlock removes it.
func lockIndex(repo *gogit.Repository) (unlock func(), err error) {
	st, ok := repo.Storer.(*filesystem.Storage)
	if !ok {
		return func() {}, nil // not on disk: nobody else can hold it
	}
	gitFS := st.Filesystem()
	f, err := gitFS.OpenFile("index.lock", os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o666)
	if errors.Is(err, fs.ErrExist) {
		path := filepath.Join(gitFS.Root(), "index.lock")
		return nil, fmt.Errorf("another git is working in the repo (%s exists): wait for it to end, or remove the file if no git runs there", path)
	}
	if err != nil {
		return nil, fmt.Errorf("lock the index: %w", err)
	}
	f.Close()
	return func() { _ = gitFS.Remove("index.lock") }, nil
}

// skipWorktreeInTheWay lists the skip-worktree files that have local edits
// and that the commit target changes: git status hides them, and git merge
// refuses to overwrite them.
func skipWorktreeInTheWay(repo *gogit.Repository, wt *gogit.Worktree, target *object.Commit) ([]string, error) {
	idx, err := repo.Storer.Index()
	if err != nil {
		return nil, err
	}
	tree, err := target.Tree()
	if err != nil {
		return nil, err
	}
	var found []string
	for _, e := range idx.Entries {
		if !e.SkipWorktree {
			continue
		}
		theirs, err := tree.File(e.Name)
		if err == nil && theirs.Hash == e.Hash {
			continue // the update leaves it as it is
		}
		if edited, err := differsFrom(wt, e.Name, e.Hash); err != nil || edited {
			found = append(found, e.Name)
		}
	}
	return found, nil
}

// differsFrom reports whether the working file name has other content than
// the blob want; a missing file differs.
func differsFrom(wt *gogit.Worktree, name string, want plumbing.Hash) (bool, error) {
	f, err := wt.Filesystem.Open(name)
	if errors.Is(err, fs.ErrNotExist) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		return false, err
	}
	return plumbing.ComputeHash(plumbing.BlobObject, b) != want, nil
}
