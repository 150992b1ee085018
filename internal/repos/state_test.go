package repos

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/crispify/crispify/internal/event"
)

// stateRepo clones a fresh remote of 12 files and 3 commits and returns
// the bare remote and the working copy, on master tracking origin/master.
func stateRepo(t *testing.T) (bare, dir string) {
	t.Helper()
	f := newFixture(t)
	bare = f.add(t, "svc", repoShape{files: 12, commits: 3})
	dir = filepath.Join(f.ws, "svc")
	git(t, "", "clone", "-q", bare, dir)
	return bare, dir
}

func write(t *testing.T, file, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// gitSays is what the git command makes of the working copy: the oracle
// every in-process reading is held to.
func gitSays(t *testing.T, dir, want string) GitState {
	t.Helper()
	out := gitIn(t, dir, nil, "status", "--porcelain=v2", "--branch", "-z", "--untracked-files=normal")
	return parseState([]byte(out), want)
}

func TestReadState(t *testing.T) {
	file := filePath(1) // a tracked file of every fixture repo
	cases := []struct {
		name  string
		setup func(t *testing.T, bare, dir string)
		want  string // String()
		check func(t *testing.T, st GitState)
	}{
		{"clean", func(*testing.T, string, string) {}, "master", func(t *testing.T, st GitState) {
			if st.Upstream != "origin/master" || st.OffBranch() || st.Notable() {
				t.Errorf("clean clone: %+v", st)
			}
		}},
		{"another branch", func(t *testing.T, _, dir string) {
			git(t, dir, "checkout", "-q", "-b", "feature/x")
		}, "feature/x ≠master", func(t *testing.T, st GitState) {
			if !st.OffBranch() || st.Upstream != "" {
				t.Errorf("feature/x, no upstream: %+v", st)
			}
		}},
		{"dirty", func(t *testing.T, _, dir string) {
			write(t, filepath.Join(dir, file), "changed\n")
		}, "master *1", nil},
		{"same size, same mtime, other bytes", func(t *testing.T, _, dir string) {
			// Only the ctime and the bytes tell this change; git sees it.
			p := filepath.Join(dir, file)
			fi, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			old, _ := os.ReadFile(p)
			write(t, p, strings.Repeat("z", len(old)))
			if err := os.Chtimes(p, fi.ModTime(), fi.ModTime()); err != nil {
				t.Fatal(err)
			}
		}, "master *1", nil},
		{"touched, same content", func(t *testing.T, _, dir string) {
			p := filepath.Join(dir, file)
			later := time.Now().Add(time.Hour)
			if err := os.Chtimes(p, later, later); err != nil {
				t.Fatal(err)
			}
		}, "master", nil},
		{"staged", func(t *testing.T, _, dir string) {
			write(t, filepath.Join(dir, file), "staged\n")
			git(t, dir, "add", file)
		}, "master *1", nil},
		{"staged new file", func(t *testing.T, _, dir string) {
			write(t, filepath.Join(dir, "new.txt"), "new\n")
			git(t, dir, "add", "new.txt")
		}, "master *1", nil},
		{"deleted, and a staged removal", func(t *testing.T, _, dir string) {
			if err := os.Remove(filepath.Join(dir, file)); err != nil {
				t.Fatal(err)
			}
			git(t, dir, "rm", "-q", filePath(2))
		}, "master *2", func(t *testing.T, st GitState) {
			if st.Dirty != 2 {
				t.Errorf("dirty = %d, want 2", st.Dirty)
			}
		}},
		{"made executable", func(t *testing.T, _, dir string) {
			if err := os.Chmod(filepath.Join(dir, file), 0o755); err != nil {
				t.Fatal(err)
			}
		}, "master *1", nil},
		{"untracked only", func(t *testing.T, _, dir string) {
			write(t, filepath.Join(dir, "scratch.txt"), "not tracked\n")
		}, "master ?1", nil},
		{"ahead", func(t *testing.T, _, dir string) {
			write(t, filepath.Join(dir, file), "local\n")
			git(t, dir, "commit", "-q", "-am", "local 1")
			write(t, filepath.Join(dir, file), "local 2\n")
			git(t, dir, "commit", "-q", "-am", "local 2")
		}, "master ↑2", nil},
		{"behind", func(t *testing.T, bare, dir string) {
			for i := range 3 {
				commitTo(t, bare, "master", "remote", map[string]string{"r.txt": strings.Repeat("r", i+1)})
			}
			git(t, dir, "fetch", "-q")
		}, "master ↓3", nil},
		{"diverged and dirty", func(t *testing.T, bare, dir string) {
			commitTo(t, bare, "master", "remote", map[string]string{"r.txt": "r"})
			git(t, dir, "fetch", "-q")
			write(t, filepath.Join(dir, "l.txt"), "l")
			git(t, dir, "add", "l.txt")
			git(t, dir, "commit", "-q", "-m", "local")
			write(t, filepath.Join(dir, file), "dirty\n")
		}, "master ↑1 ↓1 *1", nil},
		{"branch with no upstream", func(t *testing.T, _, dir string) {
			git(t, dir, "checkout", "-q", "-b", "master2")
			git(t, dir, "branch", "-q", "-D", "master")
			git(t, dir, "branch", "-q", "-m", "master")
		}, "master", func(t *testing.T, st GitState) {
			if st.Upstream != "" || st.OffBranch() {
				t.Errorf("no upstream: %+v", st)
			}
		}},
		{"detached", func(t *testing.T, _, dir string) {
			git(t, dir, "checkout", "-q", "--detach", "HEAD~1")
		}, "", func(t *testing.T, st GitState) {
			if st.Branch != "" || !st.OffBranch() || !strings.HasPrefix(st.String(), "detached "+st.Head[:7]+" ≠master") {
				t.Errorf("detached: %+v %q", st, st)
			}
		}},
		{"an attribute makes other bytes the same", func(t *testing.T, _, dir string) {
			// ident expands $Id$ in the working tree: the bytes differ from
			// the blob, git says clean. Only git knows, so git is asked.
			write(t, filepath.Join(dir, ".gitattributes"), "id.txt ident\n")
			write(t, filepath.Join(dir, "id.txt"), "$Id$\n")
			git(t, dir, "add", ".gitattributes", "id.txt")
			git(t, dir, "commit", "-q", "-m", "ident")
			git(t, dir, "push", "-q", "origin", "master")
			if err := os.Remove(filepath.Join(dir, "id.txt")); err != nil {
				t.Fatal(err)
			}
			git(t, dir, "checkout", "-q", "id.txt")
			if b, _ := os.ReadFile(filepath.Join(dir, "id.txt")); !strings.HasPrefix(string(b), "$Id: ") {
				t.Fatalf("ident not expanded: %q", b)
			}
			later := time.Now().Add(time.Hour)
			if err := os.Chtimes(filepath.Join(dir, "id.txt"), later, later); err != nil {
				t.Fatal(err)
			}
		}, "master", nil},
		{"autocrlf", func(t *testing.T, _, dir string) {
			git(t, dir, "config", "core.autocrlf", "true")
			p := filepath.Join(dir, file)
			old, _ := os.ReadFile(p)
			write(t, p, strings.ReplaceAll(string(old), "\n", "\r\n"))
		}, "", nil},
		{"split index", func(t *testing.T, _, dir string) {
			git(t, dir, "update-index", "--split-index")
			write(t, filepath.Join(dir, file), "dirty\n")
		}, "master *1", nil},
		{"assumed unchanged", func(t *testing.T, _, dir string) {
			git(t, dir, "update-index", "--assume-unchanged", file)
			write(t, filepath.Join(dir, file), "git was told not to look\n")
		}, "master", nil},
		{"index version 4, intent to add", func(t *testing.T, _, dir string) {
			git(t, dir, "update-index", "--index-version", "4")
			write(t, filepath.Join(dir, "later.txt"), "added later\n")
			git(t, dir, "add", "-N", "later.txt")
		}, "master *1", nil},
		{"conflict", func(t *testing.T, bare, dir string) {
			commitTo(t, bare, "master", "remote", map[string]string{file: "theirs\n"})
			git(t, dir, "fetch", "-q")
			write(t, filepath.Join(dir, file), "ours\n")
			git(t, dir, "commit", "-q", "-am", "ours")
			cmd := gitCmd(dir, "merge", "-q", "origin/master")
			_ = cmd.Run() // fails: the conflict is the point
		}, "master ↑1 ↓1 *1", nil},
	}
	// Only the git command can tell these; every other case is read in
	// process alone.
	askGit := map[string]bool{"an attribute makes other bytes the same": true, "autocrlf": true, "split index": true}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			bare, dir := stateRepo(t)
			c.setup(t, bare, dir)
			got, err := ReadState(background(t), dir, "master")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := readStateInProcess(background(t), dir, "master", &stateMemo{}); (err != nil) != askGit[c.name] {
				t.Errorf("in process: err = %v, want one: %v", err, askGit[c.name])
			}
			if oracle := gitSays(t, dir, "master"); got != oracle {
				t.Errorf("read %+v\n git %+v", got, oracle)
			}
			if c.want != "" && got.String() != c.want {
				t.Errorf("String() = %q, want %q", got, c.want)
			}
			if c.check != nil {
				c.check(t, got)
			}
		})
	}
}

func TestReadStateUnbornAndLinkedWorktree(t *testing.T) {
	dir := t.TempDir()
	git(t, dir, "init", "-q", "--initial-branch=master")
	st, err := ReadState(background(t), dir, "master")
	if err != nil {
		t.Fatal(err)
	}
	if st.Branch != "master" || st.Head != "" || st.Notable() || st.String() != "master" {
		t.Errorf("unborn: %+v %q", st, st)
	}

	_, main := stateRepo(t)
	linked := filepath.Join(t.TempDir(), "linked")
	git(t, main, "worktree", "add", "-q", "-b", "topic", linked)
	write(t, filepath.Join(linked, filePath(3)), "in the linked worktree\n")
	st, err = ReadState(background(t), linked, "master")
	if err != nil {
		t.Fatal(err)
	}
	if want := gitSays(t, linked, "master"); st != want || st.String() != "topic ≠master *1" {
		t.Errorf("linked worktree: read %+v (%q), git %+v", st, st, want)
	}
	if st, err := ReadState(background(t), main, "master"); err != nil || st.String() != "master" {
		t.Errorf("main worktree beside it: %+v %v", st, err)
	}
}

func TestReadStateNotARepo(t *testing.T) {
	dir := t.TempDir()
	_, err := ReadState(background(t), dir, "master")
	if err == nil || !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), "not a git repository") {
		t.Errorf("err = %v: want the folder and what is wrong", err)
	}
}

// TestReadStateWritesNothing: reading must never rewrite the index (git
// status would, to refresh it) or anything else in .git.
func TestReadStateWritesNothing(t *testing.T) {
	_, dir := stateRepo(t)
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(filepath.Join(dir, filePath(1)), later, later); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, filePath(2)), "dirty\n")
	before := snapshot(t, dir, nil)
	for range 3 {
		if _, err := ReadState(background(t), dir, "master"); err != nil {
			t.Fatal(err)
		}
	}
	sameSnapshot(t, before, snapshot(t, dir, nil))
}

func TestGitStateString(t *testing.T) {
	cases := []struct {
		st   GitState
		want string
	}{
		{GitState{Branch: "master", Want: "master"}, "master"},
		{GitState{Branch: "master", Want: "master", Ahead: 2}, "master ↑2"},
		{GitState{Branch: "master", Want: "master", Behind: 3}, "master ↓3"},
		{GitState{Branch: "feature/x", Want: "master", Dirty: 4}, "feature/x ≠master *4"},
		{GitState{Branch: "main"}, "main"}, // the manifest names no branch
		{GitState{Head: "0123456789abcdef", Want: "master", Ahead: 1, Behind: 1}, "detached 0123456 ≠master ↑1 ↓1"},
		{GitState{}, "detached"},
	}
	for _, c := range cases {
		if got := c.st.String(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.st, got, c.want)
		}
	}
}

// gitCmd is a git command for a test that may fail on purpose.
func gitCmd(dir string, args ...string) *exec.Cmd {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	return cmd
}

// TestSyncEventsCarryGitState: the final event of every repo step says the
// state it leaves the working copy in; a clone that failed says none.
func TestSyncEventsCarryGitState(t *testing.T) {
	f := newFixture(t)
	for _, n := range []string{"a", "b", "c"} {
		f.add(t, n, repoShape{files: 4, commits: 2})
	}
	specs := []Spec{f.spec(t, "file", "a"), f.spec(t, "file", "b"), f.spec(t, "file", "c")}
	missing := Spec{Name: "gone", URL: "file://" + filepath.Join(f.root, "gone.git"), Branch: "master", Dir: filepath.Join(f.ws, "gone")}
	rec := &recorder{}
	results := Sync(background(t), append(specs, missing), Options{}, rec)
	gitOf := func(name string) string {
		evs := rec.of(name)
		last := evs[len(evs)-1]
		if last.Git == nil {
			return "<none>"
		}
		return last.Git.String() + " up " + last.Git.Upstream
	}
	for _, n := range []string{"a", "b", "c"} {
		if got := gitOf(n); got != "master up origin/master" {
			t.Errorf("%s cloned: git %s", n, got)
		}
	}
	if got := gitOf("gone"); got != "<none>" || results[3].Git != nil {
		t.Errorf("failed clone: git %s, result %+v", got, results[3].Git)
	}
	if results[0].Git == nil || results[0].Git.Head == "" {
		t.Errorf("result of a: git %+v", results[0].Git)
	}

	git(t, specs[0].Dir, "checkout", "-q", "-b", "feature/x")
	write(t, filepath.Join(specs[1].Dir, filePath(1)), "mine\n")
	git(t, specs[2].Dir, "commit", "-q", "--allow-empty", "-m", "mine")
	rec = &recorder{}
	Sync(background(t), specs, Options{Update: true}, rec)
	for name, want := range map[string]string{"a": "feature/x ≠master up ", "b": "master *1 up origin/master", "c": "master ↑1 up origin/master"} {
		if got := gitOf(name); got != want {
			t.Errorf("%s after update: git %q, want %q", name, got, want)
		}
	}
}

// TestRefreshReEmitsTheLastEventWithTheNewState: what the live stack emits
// when a repo changes keeps the step's phase and message, and nothing is
// emitted when nothing changed.
func TestRefreshReEmitsTheLastEventWithTheNewState(t *testing.T) {
	_, dir := stateRepo(t)
	r := NewStateReader()
	st, err := r.Read(background(t), dir, "master")
	if err != nil {
		t.Fatal(err)
	}
	last := event.Event{TS: time.Now().Add(-time.Hour), Kind: event.Repo, Name: "svc", Phase: event.Updated, Msg: "3 new commits", Git: &st}
	if _, changed, err := r.Refresh(background(t), last, dir, "master"); err != nil || changed {
		t.Errorf("nothing changed: changed %v, err %v", changed, err)
	}
	write(t, filepath.Join(dir, filePath(1)), "edited\n")
	e, changed, err := r.Refresh(background(t), last, dir, "master")
	if err != nil || !changed {
		t.Fatalf("a file edited: changed %v, err %v", changed, err)
	}
	if e.Kind != event.Repo || e.Name != "svc" || e.Phase != event.Updated || e.Msg != "3 new commits" || !e.TS.After(last.TS) {
		t.Errorf("refresh event %+v: want the last one, stamped now", e)
	}
	if e.Git.String() != "master *1" || last.Git.String() != "master" {
		t.Errorf("refresh git %q, last's %q (must be left alone)", e.Git, last.Git)
	}
	if _, _, err := r.Refresh(background(t), last, t.TempDir(), "master"); err == nil {
		t.Error("a folder that is no repo refreshed without error")
	}
}
