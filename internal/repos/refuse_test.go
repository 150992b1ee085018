package repos

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crispify/crispify/internal/event"
)

// What git refuses to fast-forward over, every backend refuses, touching
// nothing but what the fetch brings: an index.lock held by another git (it
// may be writing the index this very moment), and a skip-worktree file with
// local edits that the update would overwrite (go-git staged a revert of
// upstream over it).
func TestUpdateRefusesWhatGitRefuses(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		prepare func(t *testing.T, work, bare string)
		reason  string // what the failure says, in part
	}{{
		name: "index.lock held",
		prepare: func(t *testing.T, work, bare string) {
			if err := os.WriteFile(filepath.Join(work, ".git", "index.lock"), nil, 0o644); err != nil {
				t.Fatal(err)
			}
			commitTo(t, bare, "master", "upstream", map[string]string{"NEW.md": "new\n"})
		},
		reason: "index.lock",
	}, {
		name: "skip-worktree file edited",
		prepare: func(t *testing.T, work, bare string) {
			git(t, work, "update-index", "--skip-worktree", filePath(0))
			if err := os.WriteFile(filepath.Join(work, filepath.FromSlash(filePath(0))), []byte("my local settings\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			commitTo(t, bare, "master", "upstream", map[string]string{filePath(0): "theirs\n"})
		},
		reason: filePath(0),
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			forEachBackend(t, func(t *testing.T, b Backend) {
				f := newFixture(t)
				bare := f.add(t, "api", small)
				spec := f.spec(t, "file", "api")
				ctx := background(t)
				if r := SyncOne(ctx, spec, Options{Backend: b}, nil); r.Phase != event.Cloned {
					t.Fatalf("clone: %+v", r)
				}
				c.prepare(t, spec.Dir, bare)
				// git merge writes ORIG_HEAD before it refuses: a ref
				// of its own, not the user's work.
				skip := func(rel string) bool { return fetchedOnly(rel) || rel == ".git/ORIG_HEAD" }
				before := snapshot(t, spec.Dir, skip)
				r := SyncOne(ctx, spec, Options{Backend: b, Update: true}, &recorder{})
				if r.Phase != event.Failed || !strings.Contains(r.Reason, c.reason) {
					t.Errorf("update: %s %q, want failed naming %q", r.Phase, r.Reason, c.reason)
				}
				sameSnapshot(t, before, snapshot(t, spec.Dir, skip))
			})
		})
	}
}
