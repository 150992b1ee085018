package repos

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestMovedSaysWhereTheCommitsCameFrom: the reason a worker restarts tells
// fetched commits from commits made here while it ran, and a branch
// switch from both; HEAD moving back or elsewhere keeps its words. Each
// case moves HEAD of a clone (on master, tracking origin/master) the way
// a developer or crispify's update would, with the real git.
func TestMovedSaysWhereTheCommitsCameFrom(t *testing.T) {
	upstream := func(t *testing.T, bare string, n int) {
		for i := range n {
			commitTo(t, bare, "master", "upstream", map[string]string{"up.txt": strings.Repeat("u", i+1)})
		}
	}
	local := func(t *testing.T, dir, msg string) {
		write(t, filepath.Join(dir, "local.txt"), msg+"\n")
		git(t, dir, "add", "local.txt")
		git(t, dir, "commit", "-q", "-m", msg)
	}
	cases := []struct {
		name string
		move func(t *testing.T, bare, dir string)
		want string // a regexp, whole
	}{
		{"fetched and fast-forwarded", func(t *testing.T, bare, dir string) {
			upstream(t, bare, 3)
			git(t, dir, "fetch", "-q")
			git(t, dir, "merge", "-q", "--ff-only", "origin/master")
		}, "3 new commits"},
		{"one commit made here", func(t *testing.T, _, dir string) {
			local(t, dir, "mine")
		}, "1 local commit"},
		{"fetched, then a commit made here", func(t *testing.T, bare, dir string) {
			upstream(t, bare, 2)
			git(t, dir, "pull", "-q", "--ff-only")
			local(t, dir, "mine")
		}, "2 new commits, 1 local commit"},
		{"a commit made here, then a merge of what was fetched", func(t *testing.T, bare, dir string) {
			local(t, dir, "mine")
			upstream(t, bare, 1)
			git(t, dir, "fetch", "-q")
			git(t, dir, "merge", "-q", "--no-edit", "origin/master")
		}, "1 new commit, 2 local commits"}, // the merge commit is made here too
		{"another branch checked out", func(t *testing.T, bare, dir string) {
			git(t, bare, "branch", "feature-x", "master")
			commitTo(t, bare, "feature-x", "feature", map[string]string{"f.txt": "f"})
			git(t, dir, "fetch", "-q")
			git(t, dir, "checkout", "-q", "feature-x")
		}, "checked out feature-x"},
		{"a new branch from an older commit", func(t *testing.T, _, dir string) {
			git(t, dir, "checkout", "-q", "-b", "fix", "HEAD~1")
		}, "checked out fix"},
		{"another branch and back, then a pull", func(t *testing.T, bare, dir string) {
			git(t, bare, "branch", "feature-x", "master")
			commitTo(t, bare, "feature-x", "feature", map[string]string{"f.txt": "f"})
			git(t, dir, "fetch", "-q")
			git(t, dir, "checkout", "-q", "feature-x")
			git(t, dir, "checkout", "-q", "master")
			upstream(t, bare, 1)
			git(t, dir, "pull", "-q", "--ff-only")
		}, "1 new commit"},
		{"detached", func(t *testing.T, _, dir string) {
			git(t, dir, "checkout", "-q", "--detach", "HEAD~1")
		}, "checked out [0-9a-f]{7} \\(detached\\)"},
		{"moved back", func(t *testing.T, _, dir string) {
			git(t, dir, "reset", "-q", "--hard", "HEAD~2")
		}, "HEAD moved back 2 commits"},
		{"to an unrelated commit", func(t *testing.T, _, dir string) {
			git(t, dir, "reset", "-q", "--hard", "HEAD~1")
			local(t, dir, "instead")
		}, "HEAD moved to [0-9a-f]{7} \\(1 new commit, 1 dropped\\)"},
		{"a commit made here, without a reflog", func(t *testing.T, _, dir string) {
			git(t, dir, "config", "core.logAllRefUpdates", "false")
			if err := os.RemoveAll(filepath.Join(dir, ".git", "logs")); err != nil {
				t.Fatal(err)
			}
			local(t, dir, "mine")
		}, "1 local commit"},
		{"a branch tracking nothing", func(t *testing.T, _, dir string) {
			git(t, dir, "branch", "-q", "--unset-upstream")
			local(t, dir, "mine")
		}, "1 local commit"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			bare, dir := stateRepo(t)
			from := git(t, dir, "rev-parse", "HEAD")
			c.move(t, bare, dir)
			to := git(t, dir, "rev-parse", "HEAD")
			got := Moved(background(t), dir, from, to)
			if !regexp.MustCompile("^" + c.want + "$").MatchString(got) {
				t.Errorf("Moved = %q, want %q", got, c.want)
			}
		})
	}
}

func TestBranchWhenLeft(t *testing.T) {
	a, b, c := strings.Repeat("a", 40), strings.Repeat("b", 40), strings.Repeat("c", 40)
	line := func(old, new, msg string) string {
		return old + " " + new + " T <t@crispify.invalid> 1700000000 +0000\t" + msg
	}
	cases := []struct {
		name    string
		reflog  []string
		current string
		want    string
		known   bool
	}{
		{"a commit", []string{line(a, b, "commit: x")}, "master", "master", true},
		{"a switch", []string{line(a, b, "checkout: moving from master to feature")}, "feature", "master", true},
		{"a switch, then a commit", []string{line(a, b, "checkout: moving from master to feature"), line(b, c, "commit: x")}, "feature", "master", true},
		{"left a detached HEAD", []string{line(a, b, "checkout: moving from "+a+" to master")}, "master", "", true},
		{"a switch before from", []string{line(c, a, "checkout: moving from feature to master"), line(a, b, "pull: Fast-forward")}, "master", "master", true},
		{"from not in it", []string{line(b, c, "commit: x")}, "master", "", false},
		{"no reflog", nil, "master", "", false},
	}
	for _, c := range cases {
		gd := t.TempDir()
		if c.reflog != nil {
			write(t, filepath.Join(gd, "logs", "HEAD"), strings.Join(c.reflog, "\n")+"\n")
		}
		got, known := branchWhenLeft(gd, c.current, a)
		if got != c.want || known != c.known {
			t.Errorf("%s: %q %v, want %q %v", c.name, got, known, c.want, c.known)
		}
	}
}
