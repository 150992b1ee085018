package repos

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// SwitchStep is what switching one working copy to a branch would do,
// read before anything changes (crispify switch plans every repo first and
// changes none if one is blocked).
type SwitchStep struct {
	Name string
	Dir  string
	// From is the branch checked out now ("" when HEAD is detached) and
	// Head the commit it is at.
	From, Head string
	// To is the branch the repo goes to: the one asked for, or, when the
	// repo has no such branch, the manifest's (Fallback is then set).
	To       string
	Fallback bool
	// Target is the commit To is at: HEAD once the switch is done.
	Target string
	// Track is set when To exists only as origin/To: the switch makes the
	// local branch, tracking it.
	Track bool
	// Blocked says why the repo cannot switch, and what to do; "" when it
	// can. A blocked step changes nothing.
	Blocked string
}

// Stays reports a step that leaves the repo where it is.
func (s SwitchStep) Stays() bool { return s.Blocked == "" && s.From == s.To }

// PlanSwitch reads the working copy in dir and says how it would move to
// branch want, or to fallback (the manifest's branch) when it has no
// branch want, locally or on origin as last fetched. It never fetches and
// changes nothing.
func PlanSwitch(ctx context.Context, name, dir, want, fallback string) SwitchStep {
	g := cliGit{bin: "git"}
	st := SwitchStep{Name: name, Dir: dir, To: want}
	gd, err := gitDir(dir)
	if err != nil {
		st.Blocked = "not cloned yet: run crispify repos first"
		return st
	}
	local, err := g.Inspect(ctx, dir)
	if err != nil {
		st.Blocked = fmt.Sprintf("cannot read its working copy: %v", err)
		return st
	}
	st.From, st.Head = local.Branch, local.Head
	if why := underWay(gd); why != "" {
		st.Blocked = why
		return st
	}
	target, track, ok := g.branchTip(ctx, dir, want)
	if !ok && fallback != "" && fallback != want {
		st.To, st.Fallback = fallback, true
		target, track, ok = g.branchTip(ctx, dir, fallback)
	}
	if !ok {
		st.Blocked = fmt.Sprintf("has no branch %s, locally or on origin as last fetched: git fetch in %s, or check the name", want, dir)
		return st
	}
	st.Target = target
	if st.From == st.To {
		return st
	}
	st.Track = track
	if local.Branch == "" && local.Head != "" && !g.held(ctx, dir, local.Head) {
		st.Blocked = fmt.Sprintf("detached HEAD at %s holds commits no branch has: keep them with git branch NAME, then switch again", short(local.Head))
		return st
	}
	added, removed, err := g.Changes(ctx, dir, local.Head, target)
	if err != nil {
		st.Blocked = fmt.Sprintf("cannot compare %s with %s: %v", short(local.Head), st.To, err)
		return st
	}
	// git carries an uncommitted change over a checkout unless the other
	// branch changes that file too; that is what it would refuse.
	changing := map[string]bool{}
	for _, p := range append(added, removed...) {
		changing[p] = true
	}
	for _, p := range g.differing(ctx, dir, local.Head, target) {
		changing[p] = true
	}
	var refused []string
	for _, p := range local.Dirty {
		if changing[p] {
			refused = append(refused, p)
		}
	}
	if len(refused) > 0 {
		st.Blocked = fmt.Sprintf("uncommitted changes in %s, which %s changes too: commit or stash them", list(refused), st.To)
		return st
	}
	if inTheWay := untrackedInTheWay(dir, added, removed); len(inTheWay) > 0 {
		st.Blocked = fmt.Sprintf("untracked files would be overwritten by %s: %s: move them away", st.To, list(inTheWay))
	}
	return st
}

// Switch carries out a step PlanSwitch made: git checks out To (making it
// from origin/To first when Track is set). git's own checkout refuses
// whatever would lose a change made since the plan; nothing is stashed,
// reset or forced.
func Switch(ctx context.Context, st SwitchStep) error {
	if st.Blocked != "" {
		return errors.New(st.Blocked)
	}
	if st.Stays() {
		return nil
	}
	args := []string{"checkout", "--quiet", st.To}
	if st.Track {
		args = []string{"checkout", "--quiet", "-b", st.To, "--track", "origin/" + st.To}
	}
	if _, err := (cliGit{bin: "git"}).run(ctx, call{dir: st.Dir}, args...); err != nil {
		return fmt.Errorf("switch %s to %s: %w: see git status in %s", st.Name, st.To, err, st.Dir)
	}
	return nil
}

// underWay says which operation git has not finished in the repo whose
// git folder is gd, and how to end it; "" when none.
func underWay(gd string) string {
	for _, op := range []struct{ file, what, end string }{
		{"MERGE_HEAD", "a merge", "git commit, or git merge --abort"},
		{"rebase-merge", "a rebase", "git rebase --continue, or git rebase --abort"},
		{"rebase-apply", "a rebase or git am", "git rebase --continue, or git rebase --abort"},
		{"CHERRY_PICK_HEAD", "a cherry-pick", "git cherry-pick --continue, or --abort"},
		{"REVERT_HEAD", "a revert", "git revert --continue, or --abort"},
		{"BISECT_LOG", "a bisect", "git bisect reset"},
	} {
		if _, err := os.Lstat(filepath.Join(gd, op.file)); err == nil {
			return op.what + " is under way: end it first (" + op.end + ")"
		}
	}
	return ""
}

// branchTip is the commit of branch, locally or else on origin; track is
// set when only origin has it.
func (g cliGit) branchTip(ctx context.Context, dir, branch string) (hash string, track, ok bool) {
	if branch == "" {
		return "", false, false
	}
	if h, err := g.run(ctx, call{dir: dir}, "rev-parse", "--verify", "--quiet", "refs/heads/"+branch+"^{commit}"); err == nil {
		return strings.TrimSpace(string(h)), false, true
	}
	if h, err := g.run(ctx, call{dir: dir}, "rev-parse", "--verify", "--quiet", "refs/remotes/origin/"+branch+"^{commit}"); err == nil {
		return strings.TrimSpace(string(h)), true, true
	}
	return "", false, false
}

// CheckBranch refuses a name git would not take for a branch, saying why,
// before any repo is looked at.
func CheckBranch(ctx context.Context, branch string) error {
	if branch == "" || strings.HasPrefix(branch, "-") {
		return fmt.Errorf("%q is not a branch name: name a branch, or - for the one before", branch)
	}
	if _, err := (cliGit{bin: "git"}).run(ctx, call{dir: os.TempDir()}, "check-ref-format", "--branch", branch); err != nil {
		return fmt.Errorf("%q is not a valid branch name (git check-ref-format): check its spelling", branch)
	}
	return nil
}

// held reports whether a branch (local or remote-tracking) holds commit.
func (g cliGit) held(ctx context.Context, dir, commit string) bool {
	out, err := g.run(ctx, call{dir: dir}, "for-each-ref", "--count=1", "--contains", commit, "--format=%(refname)", "refs/heads", "refs/remotes")
	return err == nil && strings.TrimSpace(string(out)) != ""
}

// differing lists the files whose content differs between two commits
// (a modification, which Changes, listing only additions and removals,
// leaves out).
func (g cliGit) differing(ctx context.Context, dir, from, to string) []string {
	out, err := g.run(ctx, call{dir: dir}, "diff", "--name-only", "-z", "--no-renames", from, to)
	if err != nil {
		return nil
	}
	var files []string
	for _, f := range strings.Split(string(out), "\x00") {
		if f != "" {
			files = append(files, f)
		}
	}
	return files
}
