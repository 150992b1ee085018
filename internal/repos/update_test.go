package repos

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestUntrackedInTheWay(t *testing.T) {
	dir := t.TempDir()
	for p, body := range map[string]string{
		"notes.txt":         "mine",   // where the update adds a file
		"docs":              "file",   // where the update needs a folder
		"old/tracked.go":    "theirs", // a folder the update turns into a file, tracked content only
		"build/tracked.go":  "theirs", // a folder the update turns into a file ...
		"build/mine.txt":    "mine",   // ... with a file of mine in it
		"src/untouched.txt": "mine",
	} {
		path := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	added := []string{"notes.txt", "docs/guide.md", "old", "build", "src/new.txt", "fresh/file.txt"}
	removed := []string{"old/tracked.go", "build/tracked.go"}
	got := untrackedInTheWay(dir, added, removed)
	if want := []string{"build", "docs", "notes.txt"}; !reflect.DeepEqual(got, want) {
		t.Errorf("in the way: %q, want %q", got, want)
	}
	if got := untrackedInTheWay(dir, []string{"src/new.txt"}, nil); got != nil {
		t.Errorf("nothing in the way, got %q", got)
	}
}

func TestLocalBlocker(t *testing.T) {
	const head = "0123456789abcdef0123456789abcdef01234567"
	for _, c := range []struct {
		local  Local
		branch string
		want   string
	}{
		{Local{Branch: "master", Head: head}, "master", ""},
		{Local{Branch: "master", Head: head, Dirty: []string{"b", "a", "d", "c"}}, "master",
			"uncommitted changes in a, b, c and 1 more: commit or stash them"},
		{Local{Head: head}, "master", "detached HEAD at 0123456: check out master to update it"},
		{Local{Head: head}, "", "detached HEAD at 0123456: check out a branch to update it"},
		{Local{Branch: "feature", Head: head}, "master", "on branch feature, not master: check out master to update it"},
		{Local{Branch: "master"}, "master", "no commit checked out yet: nothing to fast-forward"},
	} {
		if got := localBlocker(c.local, c.branch); got != c.want {
			t.Errorf("localBlocker(%+v, %q) = %q, want %q", c.local, c.branch, got, c.want)
		}
	}
}

func TestPlural(t *testing.T) {
	for n, want := range map[int]string{1: "1 new commit", 2: "2 new commits", 0: "0 new commits"} {
		if got := plural(n, "new commit"); got != want {
			t.Errorf("plural(%d) = %q, want %q", n, got, want)
		}
	}
}
