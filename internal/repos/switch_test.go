package repos

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// switchFixture is a bare origin with master and feature (feature changes
// app.go and adds new.go), and a clone of it on master.
func switchFixture(t *testing.T) (origin, clone string) {
	t.Helper()
	root := t.TempDir()
	origin, work := filepath.Join(root, "origin.git"), filepath.Join(root, "work")
	git(t, root, "init", "-q", "--bare", "-b", "master", origin)
	git(t, root, "clone", "-q", origin, work)
	write := func(dir, name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(work, "app.go", "package app\n")
	write(work, "README.md", "readme\n")
	git(t, work, "add", ".")
	git(t, work, "commit", "-q", "-m", "master")
	git(t, work, "push", "-q", "origin", "master")
	git(t, work, "checkout", "-q", "-b", "feature")
	write(work, "app.go", "package app // feature\n")
	write(work, "new.go", "package app\n")
	git(t, work, "add", ".")
	git(t, work, "commit", "-q", "-m", "feature")
	git(t, work, "push", "-q", "origin", "feature")
	clone = filepath.Join(root, "clone")
	git(t, root, "clone", "-q", "-b", "master", origin, clone)
	return origin, clone
}

func TestPlanSwitch(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		prepare func(t *testing.T, dir string)
		want    string
		check   func(t *testing.T, st SwitchStep)
	}{
		{"only on origin: tracked", nil, "feature", func(t *testing.T, st SwitchStep) {
			if st.Blocked != "" || st.To != "feature" || !st.Track || st.From != "master" {
				t.Errorf("%+v", st)
			}
		}},
		{"a local branch", func(t *testing.T, dir string) {
			git(t, dir, "branch", "feature", "origin/feature")
		}, "feature", func(t *testing.T, st SwitchStep) {
			if st.Blocked != "" || st.To != "feature" || st.Track {
				t.Errorf("%+v", st)
			}
		}},
		{"no such branch: the manifest's", nil, "other", func(t *testing.T, st SwitchStep) {
			if st.Blocked != "" || st.To != "master" || !st.Fallback || !st.Stays() {
				t.Errorf("%+v", st)
			}
		}},
		{"a change the branch would overwrite", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, "app.go"), []byte("package app // mine\n"), 0o644)
		}, "feature", func(t *testing.T, st SwitchStep) {
			if !strings.Contains(st.Blocked, "uncommitted changes in app.go") || !strings.Contains(st.Blocked, "commit or stash") {
				t.Errorf("blocked: %q", st.Blocked)
			}
		}},
		{"a change git carries over", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, "README.md"), []byte("mine\n"), 0o644)
		}, "feature", func(t *testing.T, st SwitchStep) {
			if st.Blocked != "" {
				t.Errorf("blocked by a change feature does not touch: %q", st.Blocked)
			}
		}},
		{"an untracked file in the way", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, "new.go"), []byte("package mine\n"), 0o644)
		}, "feature", func(t *testing.T, st SwitchStep) {
			if !strings.Contains(st.Blocked, "untracked files would be overwritten by feature: new.go") {
				t.Errorf("blocked: %q", st.Blocked)
			}
		}},
		{"a merge under way", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, ".git", "MERGE_HEAD"), []byte(git(t, dir, "rev-parse", "HEAD")+"\n"), 0o644)
		}, "feature", func(t *testing.T, st SwitchStep) {
			if !strings.Contains(st.Blocked, "a merge is under way") || !strings.Contains(st.Blocked, "git merge --abort") {
				t.Errorf("blocked: %q", st.Blocked)
			}
		}},
		{"a detached HEAD no branch holds", func(t *testing.T, dir string) {
			git(t, dir, "checkout", "-q", "--detach")
			git(t, dir, "commit", "-q", "--allow-empty", "-m", "lost")
		}, "feature", func(t *testing.T, st SwitchStep) {
			if !strings.Contains(st.Blocked, "holds commits no branch has") || !strings.Contains(st.Blocked, "git branch NAME") {
				t.Errorf("blocked: %q", st.Blocked)
			}
		}},
		{"a detached HEAD a branch holds", func(t *testing.T, dir string) {
			git(t, dir, "checkout", "-q", "--detach")
		}, "feature", func(t *testing.T, st SwitchStep) {
			if st.Blocked != "" || st.From != "" {
				t.Errorf("%+v", st)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, dir := switchFixture(t)
			if tc.prepare != nil {
				tc.prepare(t, dir)
			}
			before := git(t, dir, "rev-parse", "HEAD")
			tc.check(t, PlanSwitch(ctx, "svc", dir, tc.want, "master"))
			if after := git(t, dir, "rev-parse", "HEAD"); after != before {
				t.Errorf("planning moved HEAD from %s to %s", before, after)
			}
		})
	}
}

// A switch checks the branch out, carrying a change the branch does not
// touch, and one back returns to master with the change still there.
func TestSwitchChecksOutAndCarriesUncommittedWork(t *testing.T) {
	ctx := context.Background()
	_, dir := switchFixture(t)
	os.WriteFile(filepath.Join(dir, "README.md"), []byte("mine\n"), 0o644)
	st := PlanSwitch(ctx, "svc", dir, "feature", "master")
	if err := Switch(ctx, st); err != nil {
		t.Fatal(err)
	}
	if got := git(t, dir, "rev-parse", "--abbrev-ref", "HEAD"); got != "feature" {
		t.Fatalf("on %s after the switch", got)
	}
	if got := git(t, dir, "rev-parse", "--abbrev-ref", "feature@{upstream}"); got != "origin/feature" {
		t.Errorf("feature tracks %q, want origin/feature", got)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "README.md")); string(b) != "mine\n" {
		t.Errorf("the uncommitted change is %q after the switch", b)
	}
	back := PlanSwitch(ctx, "svc", dir, "master", "master")
	if err := Switch(ctx, back); err != nil {
		t.Fatal(err)
	}
	if got := git(t, dir, "rev-parse", "--abbrev-ref", "HEAD"); got != "master" {
		t.Errorf("on %s after switching back", got)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "README.md")); string(b) != "mine\n" {
		t.Errorf("the uncommitted change is %q after switching back", b)
	}
	if err := Switch(ctx, SwitchStep{Name: "svc", Blocked: "a merge is under way"}); err == nil {
		t.Error("a blocked step switched")
	}
}

func TestCheckBranch(t *testing.T) {
	ctx := context.Background()
	for name, ok := range map[string]bool{"feature-x": true, "team/feature": true, "bad..name": false, "-x": false, "": false, "a b": false} {
		if err := CheckBranch(ctx, name); (err == nil) != ok {
			t.Errorf("CheckBranch(%q) = %v, want ok %v", name, err, ok)
		}
	}
}
