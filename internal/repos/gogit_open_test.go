package repos

import (
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-billy/v5"
	"github.com/go-git/go-billy/v5/osfs"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// open reads a plain repo's pack indexes through a buffer, and finds the
// same commits as git; a linked worktree (.git a file) opens too.
func TestOpenReadsPackIndexesBuffered(t *testing.T) {
	f := newFixture(t)
	f.add(t, "api", small)
	spec := f.spec(t, "file", "api")
	if r := SyncOne(background(t), spec, Options{}, nil); r.Err != nil {
		t.Fatal(r.Err)
	}
	packs, _ := filepath.Glob(filepath.Join(spec.Dir, ".git", "objects", "pack", "*.idx"))
	if len(packs) == 0 {
		t.Fatal("the clone has no pack index: nothing to test")
	}
	name, _ := filepath.Rel(filepath.Join(spec.Dir, ".git"), packs[0])
	repo, err := open(spec.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if st, ok := repo.Storer.(*filesystem.Storage); !ok {
		t.Errorf("the repo's storage is %T, not go-git's filesystem storage", repo.Storer)
	} else if _, ok := st.Filesystem().(bufferedIndexes); !ok {
		t.Errorf("open reads the repo through %T, not with buffered indexes", st.Filesystem())
	}
	want := git(t, spec.Dir, "rev-parse", "HEAD")
	head, err := repo.Head()
	if err != nil || head.Hash().String() != want {
		t.Fatalf("HEAD = %v, %v; want %s", head, err, want)
	}
	c, err := repo.CommitObject(plumbing.NewHash(want)) // read from the pack, through its index
	if err != nil || strings.TrimSpace(c.Message) == "" {
		t.Fatalf("commit %s: %v, %v", want, c, err)
	}
	idx, err := bufferedIndexes{osfsAt(filepath.Join(spec.Dir, ".git"))}.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	if _, ok := idx.(*bufferedFile); !ok {
		t.Errorf("%s opened as %T, not buffered", name, idx)
	}
	// A seek after a buffered read lands where it says.
	head4 := make([]byte, 4)
	if _, err := io.ReadFull(idx, head4); err != nil || string(head4) != "\377tOc" {
		t.Fatalf("first 4 bytes of the index %q, %v; want its signature", head4, err)
	}
	if pos, err := idx.Seek(0, io.SeekCurrent); err != nil || pos != 4 {
		t.Errorf("Seek(0, current) = %d, %v after reading 4 bytes", pos, err)
	}
	if _, err := idx.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	again := make([]byte, 4)
	if _, err := io.ReadFull(idx, again); err != nil || string(again) != string(head4) {
		t.Errorf("after Seek(0, start) read %q, %v; want %q", again, err, head4)
	}

	linked := filepath.Join(t.TempDir(), "linked")
	git(t, spec.Dir, "worktree", "add", "-q", "-b", "side", linked)
	repo, err = open(linked)
	if err != nil {
		t.Fatalf("open a linked worktree: %v", err)
	}
	if head, err := repo.Head(); err != nil || head.Name().Short() != "side" || head.Hash().String() != want {
		t.Errorf("linked worktree HEAD = %v, %v; want side at %s", head, err, want)
	}
}

func osfsAt(dir string) billy.Filesystem { return osfs.New(dir) }
