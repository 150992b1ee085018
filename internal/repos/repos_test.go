package repos

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/crispify/crispify/internal/event"
)

// These tests run real git, both backends, against bare repos served over
// file:// and git daemon (and git http-backend where credentials matter).

var small = repoShape{files: 10, commits: 3}

func TestCloneMany(t *testing.T) {
	t.Parallel()
	for _, via := range transports() {
		t.Run(via, func(t *testing.T) {
			t.Parallel()
			forEachBackend(t, func(t *testing.T, b Backend) {
				f := newFixture(t)
				var specs []Spec
				for i := range 12 {
					name := fmt.Sprintf("svc%02d", i)
					f.add(t, name, small)
					specs = append(specs, f.spec(t, via, name))
				}
				rec := &recorder{}
				results := Sync(background(t), specs, Options{Backend: b}, rec)
				for i, r := range results {
					spec := specs[i]
					if r.Name != spec.Name || r.Phase != event.Cloned || r.Err != nil {
						t.Fatalf("result %d = %+v, want %s cloned", i, r, spec.Name)
					}
					checkClone(t, spec)
					checkEvents(t, rec.of(spec.Name), event.Cloning, event.Cloned)
				}
				if l := leftovers(t, f.ws); len(l) > 0 {
					t.Errorf("temporary folders left: %v", l)
				}
			})
		})
	}
}

// checkClone asserts that spec's working copy is a clean clone of master
// that git itself is happy with: branch, upstream, files.
func checkClone(t *testing.T, spec Spec) {
	t.Helper()
	dir := spec.Dir
	// One git status tells the branch, its upstream and that nothing changed.
	status := git(t, dir, "status", "--porcelain=v2", "--branch", "--untracked-files=all")
	var unexpected []string
	for _, l := range strings.Split(status, "\n") {
		switch {
		case l == "# branch.head master", l == "# branch.upstream origin/master",
			strings.HasPrefix(l, "# branch.oid "), strings.HasPrefix(l, "# branch.ab +0 -0"):
		default:
			unexpected = append(unexpected, l)
		}
	}
	if len(unexpected) > 0 || !strings.Contains(status, "# branch.upstream") {
		t.Errorf("%s: git status after clone, want master tracking origin/master, clean:\n%s", spec.Name, status)
	}
	if _, err := os.Stat(filepath.Join(dir, filePath(0))); err != nil {
		t.Errorf("%s: %v", spec.Name, err)
	}
}

// checkEvents asserts the event stream of one repo: work events of phase
// work with progress that never goes back, then exactly one final event.
func checkEvents(t *testing.T, events []event.Event, work, final event.Phase) {
	t.Helper()
	if len(events) == 0 {
		t.Fatal("no events")
	}
	last := 0.0
	for _, e := range events[:len(events)-1] {
		if e.Kind != event.Repo || e.Phase != work {
			t.Errorf("event %+v, want only %s before the end", e, work)
		}
		if e.Progress != nil {
			if *e.Progress < last {
				t.Errorf("progress went back from %v to %v (%q)", last, *e.Progress, e.Msg)
			}
			last = *e.Progress
		}
	}
	if end := events[len(events)-1]; end.Phase != final {
		t.Errorf("last event %+v, want phase %s", end, final)
	}
}

func TestRerunDoesNothing(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b Backend) {
		f := newFixture(t)
		var specs []Spec
		for _, name := range []string{"api", "worker", "mailer"} {
			f.add(t, name, small)
			specs = append(specs, f.spec(t, "file", name))
		}
		ctx := background(t)
		Sync(ctx, specs, Options{Backend: b}, nil)
		before := snapshot(t, f.ws, nil)

		rec := &recorder{}
		for _, r := range Sync(ctx, specs, Options{Backend: b}, rec) {
			if r.Phase != event.Unchanged || r.Reason != "present" {
				t.Errorf("%s: %s %q, want unchanged present", r.Name, r.Phase, r.Reason)
			}
		}
		for _, e := range rec.all() {
			if e.Phase != event.Unchanged {
				t.Errorf("event %+v on a run with nothing to do", e)
			}
		}

		rec = &recorder{}
		for _, r := range Sync(ctx, specs, Options{Backend: b, Update: true}, rec) {
			if r.Phase != event.Unchanged || r.Reason != "up to date" {
				t.Errorf("update %s: %s %q, want unchanged up to date", r.Name, r.Phase, r.Reason)
			}
			checkEvents(t, rec.of(r.Name), event.Updating, event.Unchanged)
		}
		// Nothing new: not even the remote refs moved.
		sameSnapshot(t, before, snapshot(t, f.ws, func(rel string) bool { return strings.HasSuffix(rel, ".git/FETCH_HEAD") }))
	})
}

func TestUpdateNewCommits(t *testing.T) {
	t.Parallel()
	for _, via := range transports() {
		t.Run(via, func(t *testing.T) {
			t.Parallel()
			forEachBackend(t, func(t *testing.T, b Backend) {
				f := newFixture(t)
				bare := f.add(t, "api", small)
				spec := f.spec(t, via, "api")
				ctx := background(t)
				if r := SyncOne(ctx, spec, Options{Backend: b}, nil); r.Phase != event.Cloned {
					t.Fatalf("clone: %+v", r)
				}
				commitTo(t, bare, "master", "add", map[string]string{"NEW.md": "new\n"})
				commitTo(t, bare, "master", "change", map[string]string{filePath(0): "changed\n"})
				commitTo(t, bare, "master", "remove", map[string]string{filePath(1): ""})

				// One reader for both syncs, as a live stack keeps: what it
				// remembers of the old HEAD must not be what the update says.
				state := NewStateReader()
				if st, err := state.Read(ctx, spec.Dir, "master"); err != nil || st.Behind != 0 {
					t.Fatalf("state before the fetch: %+v, %v", st, err)
				}
				rec := &recorder{}
				r := SyncOne(ctx, spec, Options{Backend: b, Update: true, State: state}, rec)
				if r.Phase != event.Updated || r.Reason != "3 new commits" || r.Err != nil {
					t.Fatalf("update: %+v, want updated with 3 new commits", r)
				}
				if want := git(t, bare, "rev-parse", "master"); r.Git == nil || r.Git.Head != want || r.Git.Dirty != 0 || r.Git.Behind != 0 || r.Git.Ahead != 0 {
					t.Errorf("git state after the update: %+v, want HEAD %s, clean and even with origin/master", r.Git, want)
				}
				checkEvents(t, rec.of("api"), event.Updating, event.Updated)
				readFile(t, filepath.Join(spec.Dir, "NEW.md"), "new\n")
				readFile(t, filepath.Join(spec.Dir, filePath(0)), "changed\n")
				if _, err := os.Stat(filepath.Join(spec.Dir, filePath(1))); !os.IsNotExist(err) {
					t.Errorf("file removed upstream still there: %v", err)
				}
				if got, want := git(t, spec.Dir, "rev-parse", "HEAD"), git(t, bare, "rev-parse", "master"); got != want {
					t.Errorf("HEAD = %s, want %s", got, want)
				}
				if got := git(t, spec.Dir, "status", "--porcelain"); got != "" {
					t.Errorf("git status after update:\n%s", got)
				}
			})
		})
	}
}

func readFile(t *testing.T, path, want string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != want {
		t.Errorf("%s = %q, want %q", path, b, want)
	}
}

// fetchedOnly leaves out of a snapshot what a fetch may change: the object
// store, remote-tracking refs and FETCH_HEAD. A skipped repo's files, index,
// HEAD, branches and config must stay as they were.
func fetchedOnly(rel string) bool {
	for _, p := range []string{".git/objects", ".git/refs/remotes", ".git/logs/refs/remotes", ".git/FETCH_HEAD"} {
		if rel == p || strings.HasPrefix(rel, p+"/") {
			return true
		}
	}
	return false
}

func TestUpdateSkips(t *testing.T) {
	t.Parallel()
	write := func(t *testing.T, path, body string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	news := func(t *testing.T, bare string, files map[string]string) {
		commitTo(t, bare, "master", "upstream change", files)
	}
	cases := []struct {
		name    string
		prepare func(t *testing.T, work, bare string)
		reason  string
		// fetched: the repo is skipped after the fetch, which may add
		// objects and move origin/master; otherwise not a byte may change.
		fetched bool
	}{{
		name: "dirty",
		prepare: func(t *testing.T, work, bare string) {
			write(t, filepath.Join(work, filePath(0)), "my change\n")
			news(t, bare, map[string]string{"NEW.md": "new\n"})
		},
		reason: "uncommitted changes in " + filePath(0) + ": commit or stash them",
	}, {
		name: "staged",
		prepare: func(t *testing.T, work, bare string) {
			write(t, filepath.Join(work, "staged.txt"), "staged\n")
			git(t, work, "add", "staged.txt")
			news(t, bare, map[string]string{"NEW.md": "new\n"})
		},
		reason: "uncommitted changes in staged.txt: commit or stash them",
	}, {
		name: "ahead",
		prepare: func(t *testing.T, work, bare string) {
			git(t, work, "commit", "-q", "--allow-empty", "-m", "mine 1")
			git(t, work, "commit", "-q", "--allow-empty", "-m", "mine 2")
		},
		reason:  "2 local commits not on origin/master: push them or rebase",
		fetched: true,
	}, {
		name: "diverged",
		prepare: func(t *testing.T, work, bare string) {
			git(t, work, "commit", "-q", "--allow-empty", "-m", "mine")
			news(t, bare, map[string]string{"NEW.md": "new\n"})
			news(t, bare, map[string]string{"NEW2.md": "new\n"})
		},
		reason:  "diverged from origin/master (1 local commit, 2 new commits): rebase or merge by hand",
		fetched: true,
	}, {
		name: "detached",
		prepare: func(t *testing.T, work, bare string) {
			git(t, work, "checkout", "-q", "--detach", "HEAD~1")
			news(t, bare, map[string]string{"NEW.md": "new\n"})
		},
		reason: "detached HEAD at ",
	}, {
		name: "wrong branch",
		prepare: func(t *testing.T, work, bare string) {
			git(t, work, "checkout", "-q", "-b", "feature")
			news(t, bare, map[string]string{"NEW.md": "new\n"})
		},
		reason: "on branch feature, not master: check out master to update it",
	}, {
		name: "untracked file in the way",
		prepare: func(t *testing.T, work, bare string) {
			write(t, filepath.Join(work, "NEW.md"), "my own notes\n")
			news(t, bare, map[string]string{"NEW.md": "new\n"})
		},
		reason:  "untracked files would be overwritten by 1 new commit: NEW.md: move them away",
		fetched: true,
	}, {
		name: "ignored file in the way",
		prepare: func(t *testing.T, work, bare string) {
			write(t, filepath.Join(work, ".git", "info", "exclude"), "*.log\n")
			write(t, filepath.Join(work, "build.log"), "my log\n")
			news(t, bare, map[string]string{"build.log": "theirs\n"})
		},
		reason:  "untracked files would be overwritten by 1 new commit: build.log: move them away",
		fetched: true,
	}, {
		name: "file where a folder comes",
		prepare: func(t *testing.T, work, bare string) {
			write(t, filepath.Join(work, "docs"), "a file, not a folder\n")
			news(t, bare, map[string]string{"docs/guide.md": "guide\n"})
		},
		reason:  "untracked files would be overwritten by 1 new commit: docs: move them away",
		fetched: true,
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
				var skip func(string) bool
				if c.fetched {
					skip = fetchedOnly
				}
				before := snapshot(t, spec.Dir, skip)

				rec := &recorder{}
				r := SyncOne(ctx, spec, Options{Backend: b, Update: true}, rec)
				if r.Phase != event.Skipped || !strings.HasPrefix(r.Reason, c.reason) || r.Err != nil {
					t.Errorf("update: %s %q (err %v), want skipped %q", r.Phase, r.Reason, r.Err, c.reason)
				}
				if end := rec.of("api"); len(end) == 0 || end[len(end)-1].Msg != r.Reason {
					t.Errorf("last event does not say why: %+v", end)
				}
				sameSnapshot(t, before, snapshot(t, spec.Dir, skip))
			})
		})
	}
}

func TestUnreachable(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	cases := []struct {
		name, url string
		want      error
		reason    string
	}{
		{"git closed port", "git://127.0.0.1:" + closedPort(t) + "/api.git", ErrUnreachable,
			"cannot reach host: check the URL and your network/VPN"},
		{"http closed port", "http://127.0.0.1:" + closedPort(t) + "/api.git", ErrUnreachable,
			"cannot reach host: check the URL and your network/VPN"},
		{"file missing", "file://" + filepath.ToSlash(filepath.Join(f.root, "missing.git")), ErrNotFound,
			"repository not found"},
		{"git daemon missing", f.url(t, "git", "missing"), ErrNotFound, "repository not found"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			forEachBackend(t, func(t *testing.T, b Backend) {
				ws := t.TempDir()
				spec := Spec{Name: "api", URL: c.url, Branch: "master", Dir: filepath.Join(ws, "api")}
				rec := &recorder{}
				r := SyncOne(background(t), spec, Options{Backend: b}, rec)
				checkFailed(t, r, rec, c.want, "clone api ("+c.url+"): "+c.reason)
				if _, err := os.Stat(spec.Dir); !os.IsNotExist(err) {
					t.Errorf("target exists after a failed clone: %v", err)
				}
				if l := leftovers(t, ws); len(l) > 0 {
					t.Errorf("temporary folders left: %v", l)
				}
			})
		})
	}
}

// checkFailed asserts a failed result, its cause and message, and that the
// last event reports it.
func checkFailed(t *testing.T, r Result, rec *recorder, want error, msg string) {
	t.Helper()
	if r.Phase != event.Failed || r.Err == nil {
		t.Fatalf("result %+v, want failed", r)
	}
	if !errors.Is(r.Err, want) {
		t.Errorf("error %q is not %v", r.Err, want)
	}
	if !strings.HasPrefix(r.Err.Error(), msg) {
		t.Errorf("error %q\nwant it to start %q", r.Err, msg)
	}
	events := rec.of(r.Name)
	if len(events) == 0 {
		t.Fatal("no events")
	}
	if end := events[len(events)-1]; end.Phase != event.Failed || end.Error != r.Err.Error() || end.Msg != r.Reason {
		t.Errorf("last event %+v does not report %q", end, r.Err)
	}
}

func TestMissingBranch(t *testing.T) {
	t.Parallel()
	for _, via := range transports() {
		t.Run(via, func(t *testing.T) {
			t.Parallel()
			forEachBackend(t, func(t *testing.T, b Backend) {
				f := newFixture(t)
				f.add(t, "api", small)
				spec := f.spec(t, via, "api")
				spec.Branch = "main"
				rec := &recorder{}
				r := SyncOne(background(t), spec, Options{Backend: b}, rec)
				checkFailed(t, r, rec, ErrBranchNotFound,
					"clone api ("+spec.URL+`): remote branch "main" not found: check "branch" in the manifest`)
				if _, err := os.Stat(spec.Dir); !os.IsNotExist(err) {
					t.Errorf("target exists after a failed clone: %v", err)
				}
				if l := leftovers(t, f.ws); len(l) > 0 {
					t.Errorf("temporary folders left: %v", l)
				}
			})
		})
	}
}

func TestCancelMidClone(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	// About 16 MB that does not compress: the clone is still receiving
	// when the first progress line arrives.
	f.add(t, "big", repoShape{files: 250, commits: 1, fileSize: 64 << 10, random: true})
	for _, via := range transports() {
		t.Run(via, func(t *testing.T) {
			t.Parallel()
			url := f.url(t, via, "big")
			forEachBackend(t, func(t *testing.T, b Backend) {
				ws := t.TempDir()
				spec := Spec{Name: "big", URL: url, Branch: "master", Dir: filepath.Join(ws, "big")}
				ctx, cancel := context.WithCancel(background(t))
				var midway atomic.Bool
				sink := event.SinkFunc(func(e event.Event) {
					if e.Phase == event.Cloning && e.Progress != nil && *e.Progress > 0 {
						midway.Store(true)
						cancel()
					}
				})
				r := SyncOne(ctx, spec, Options{Backend: b}, sink)
				if !midway.Load() {
					t.Fatal("no progress was reported before the clone ended")
				}
				if r.Phase != event.Failed || !errors.Is(r.Err, context.Canceled) {
					t.Errorf("result %+v, want failed as cancelled", r)
				}
				entries, _ := os.ReadDir(ws)
				for _, e := range entries {
					t.Errorf("left in the workspace: %s", e.Name())
				}
			})
		})
	}
}

func TestOneFailureDoesNotStopOthers(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b Backend) {
		f := newFixture(t)
		var specs []Spec
		for _, name := range []string{"a", "b", "c", "d"} {
			if name != "b" {
				f.add(t, name, small)
			}
			specs = append(specs, f.spec(t, "file", name))
		}
		specs[2].Branch = "nope"
		results := Sync(background(t), specs, Options{Backend: b, Jobs: 1}, nil)
		want := []event.Phase{event.Cloned, event.Failed, event.Failed, event.Cloned}
		for i, r := range results {
			if r.Name != specs[i].Name || r.Phase != want[i] {
				t.Errorf("result %d = %s %s, want %s %s", i, r.Name, r.Phase, specs[i].Name, want[i])
			}
		}
	})
}

func TestTargetNotARepo(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b Backend) {
		f := newFixture(t)
		f.add(t, "api", small)
		spec := f.spec(t, "file", "api")
		if err := os.MkdirAll(spec.Dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(spec.Dir, "mine.txt"), []byte("mine"), 0o644); err != nil {
			t.Fatal(err)
		}
		before := snapshot(t, f.ws, nil)
		for _, update := range []bool{false, true} {
			rec := &recorder{}
			r := SyncOne(background(t), spec, Options{Backend: b, Update: update}, rec)
			checkFailed(t, r, rec, ErrNotRepo, "clone api ("+spec.URL+"): "+spec.Dir+" exists and is not a git repository")
		}
		sameSnapshot(t, before, snapshot(t, f.ws, nil))
	})
}

func TestEmptyTargetAndLeftovers(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b Backend) {
		f := newFixture(t)
		f.add(t, "api", small)
		spec := f.spec(t, "file", "api")
		// An empty folder made by hand, and what a killed run left behind.
		for _, d := range []string{spec.Dir, filepath.Join(f.ws, ".api.crispify-clone-123", ".git")} {
			if err := os.MkdirAll(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		if r := SyncOne(background(t), spec, Options{Backend: b}, nil); r.Phase != event.Cloned {
			t.Fatalf("clone: %+v", r)
		}
		checkClone(t, spec)
		if l := leftovers(t, f.ws); len(l) > 0 {
			t.Errorf("temporary folders left: %v", l)
		}
	})
}

func TestSameFolderTwice(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.add(t, "api", small)
	a, b := f.spec(t, "file", "api"), f.spec(t, "file", "api")
	b.Name = "api2"
	results := Sync(background(t), []Spec{a, b}, Options{}, nil)
	if results[0].Phase != event.Cloned || results[1].Phase != event.Failed {
		t.Fatalf("results %+v, want the first cloned, the second refused", results)
	}
	if !strings.Contains(results[1].Reason, "also the folder of api") {
		t.Errorf("reason %q", results[1].Reason)
	}
}

func TestUpdateWithoutOrigin(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b Backend) {
		f := newFixture(t)
		f.add(t, "api", small)
		spec := f.spec(t, "file", "api")
		ctx := background(t)
		if r := SyncOne(ctx, spec, Options{Backend: b}, nil); r.Phase != event.Cloned {
			t.Fatalf("clone: %+v", r)
		}
		git(t, spec.Dir, "remote", "remove", "origin")
		rec := &recorder{}
		r := SyncOne(ctx, spec, Options{Backend: b, Update: true}, rec)
		checkFailed(t, r, rec, ErrNoOrigin, "update api ("+spec.URL+`): no remote "origin": add it with git remote add origin URL`)
	})
}

// TestSSH cannot run in parallel: it sets SSH_AUTH_SOCK. No ssh server is
// needed: what is checked is that nothing prompts and the causes are right.
func TestSSH(t *testing.T) {
	url := "ssh://git@127.0.0.1:" + closedPort(t) + "/api.git"
	spec := Spec{Name: "api", URL: url, Branch: "master"}

	t.Run("go-git without agent", func(t *testing.T) {
		t.Setenv("SSH_AUTH_SOCK", "")
		spec.Dir = filepath.Join(t.TempDir(), "api")
		rec := &recorder{}
		r := SyncOne(background(t), spec, Options{Backend: NewGoGit()}, rec)
		checkFailed(t, r, rec, ErrNoAgent,
			"clone api ("+url+"): ssh: no SSH agent (SSH_AUTH_SOCK unset): start one and ssh-add your key")
	})
	t.Run("cli", func(t *testing.T) {
		if _, err := exec.LookPath("ssh"); err != nil {
			t.Skip("no ssh client installed")
		}
		spec.Dir = filepath.Join(t.TempDir(), "api")
		rec := &recorder{}
		r := SyncOne(background(t), spec, Options{Backend: NewCLI()}, rec)
		checkFailed(t, r, rec, ErrUnreachable, "clone api ("+url+"): cannot reach host")
	})
}
