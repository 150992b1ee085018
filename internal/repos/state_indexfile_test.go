package repos

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
)

// TestParseIndexAgreesWithGoGit reads indexes of every version git
// writes, with extended flags and a cached tree, and holds each entry to
// what go-git's own decoder finds.
func TestParseIndexAgreesWithGoGit(t *testing.T) {
	for _, version := range []string{"2", "3", "4"} {
		t.Run("v"+version, func(t *testing.T) {
			t.Parallel()
			_, dir := stateRepo(t)
			write(t, filepath.Join(dir, "later.txt"), "added later\n")
			git(t, dir, "add", "-N", "later.txt") // extended flags: v3 and up
			git(t, dir, "update-index", "--skip-worktree", filePath(4))
			if version == "2" {
				git(t, dir, "update-index", "--no-skip-worktree", filePath(4))
				git(t, dir, "rm", "-q", "--cached", "later.txt")
			}
			git(t, dir, "update-index", "--index-version", version)
			idx, err := readIndex(filepath.Join(dir, ".git"))
			if err != nil {
				t.Fatal(err)
			}
			repo, err := gogit.PlainOpen(dir)
			if err != nil {
				t.Fatal(err)
			}
			theirs, err := repo.Storer.Index()
			if err != nil {
				t.Fatal(err)
			}
			if len(idx.entries) != len(theirs.Entries) || len(idx.entries) < 12 {
				t.Fatalf("%d entries, go-git %d", len(idx.entries), len(theirs.Entries))
			}
			for i, e := range idx.entries {
				g := theirs.Entries[i]
				if e.name != g.Name || e.hash != g.Hash || e.mode != g.Mode || e.size != g.Size || e.ino != g.Inode ||
					!sameAsGoGit(e.mtimeS, e.mtimeNs, g.ModifiedAt) || !sameAsGoGit(e.ctimeS, e.ctimeNs, g.CreatedAt) ||
					e.stage != int(g.Stage) || e.skipWorktree != g.SkipWorktree || e.intentToAdd != g.IntentToAdd {
					t.Errorf("entry %d: %+v\ngo-git: %+v", i, e, g)
				}
			}
			if version != "2" && (!anyOf(idx.entries, func(e indexEntry) bool { return e.intentToAdd }) ||
				!anyOf(idx.entries, func(e indexEntry) bool { return e.skipWorktree })) {
				t.Error("extended flags not read")
			}
		})
	}
}

// sameAsGoGit compares a time of the index with go-git's, which is the
// zero time where the index has 0.
func sameAsGoGit(s, ns uint32, t time.Time) bool {
	if t.IsZero() {
		return s == 0 && ns == 0
	}
	return int64(s) == t.Unix() && int(ns) == t.Nanosecond()
}

func anyOf(es []indexEntry, f func(indexEntry) bool) bool {
	for _, e := range es {
		if f(e) {
			return true
		}
	}
	return false
}

// TestParseIndexCachedTree: the cached tree is HEAD's after a commit, and
// stale (zero) once something is staged.
func TestParseIndexCachedTree(t *testing.T) {
	_, dir := stateRepo(t)
	write(t, filepath.Join(dir, filePath(1)), "committed\n")
	git(t, dir, "commit", "-q", "-am", "primes the cached tree")
	idx, err := readIndex(filepath.Join(dir, ".git"))
	if err != nil {
		t.Fatal(err)
	}
	if want := plumbing.NewHash(git(t, dir, "rev-parse", "HEAD^{tree}")); idx.tree != want {
		t.Errorf("cached tree %s, HEAD's %s", idx.tree, want)
	}
	write(t, filepath.Join(dir, filePath(1)), "staged\n")
	git(t, dir, "add", filePath(1))
	if idx, err = readIndex(filepath.Join(dir, ".git")); err != nil || !idx.tree.IsZero() {
		t.Errorf("after git add: cached tree %s, %v; want none", idx.tree, err)
	}
}

// TestParseIndexBrokenNeverPanics cuts a real index at every length and
// flips every byte of its header and first entry: each is an error or an
// index, never a panic or a read out of bounds.
func TestParseIndexBrokenNeverPanics(t *testing.T) {
	_, dir := stateRepo(t)
	git(t, dir, "update-index", "--index-version", "4")
	b, err := os.ReadFile(filepath.Join(dir, ".git", "index"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parseIndex(b); err != nil {
		t.Fatal(err)
	}
	for n := range len(b) - 1 {
		if _, err := parseIndex(b[:n]); err == nil && n < 12+20 {
			t.Errorf("%d bytes parsed", n)
		}
	}
	for i := range min(len(b), 200) {
		c := append([]byte(nil), b...)
		c[i] ^= 0xff
		_, _ = parseIndex(c)
	}
	if _, err := parseIndex([]byte("DIRC\x00\x00\x00\x05\x00\x00\x00\x00" + string(make([]byte, 20)))); err == nil {
		t.Error("version 5 parsed")
	}
}
