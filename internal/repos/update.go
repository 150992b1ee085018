package repos

import (
	"context"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/crispify/crispify/internal/event"
)

// update fetches the repo's branch and fast-forwards the working copy to it.
// Anything that a fast-forward could not do without touching the user's work
// (changes, local commits, another branch) skips the repo with the reason:
// it is never reset, stashed, checked out over or discarded.
func (j job) update(ctx context.Context) Result {
	b, dir := j.opts.Backend, j.spec.Dir
	spec, err := remoteFor(j.spec.URL, j.spec.Branch)
	if err != nil {
		return j.fail("update", explain(err, spec))
	}
	rep := &reporter{sink: j.sink, name: j.spec.Name, phase: event.Updating}
	rep.start("checking")

	local, err := b.Inspect(ctx, dir)
	if err != nil {
		return j.fail("update", explain(err, spec))
	}
	branch := j.spec.Branch
	if branch == "" {
		branch = local.Branch
	}
	// What only needs a look at the working copy is decided before the
	// fetch: such a repo is left exactly as it was, remote refs included.
	if reason := localBlocker(local, branch); reason != "" {
		return j.result(event.Skipped, reason)
	}

	spec.Branch = branch
	fail := func(err error) Result { return j.fail("update", explain(err, spec)) }
	rep.start("fetching")
	remote, err := b.Fetch(ctx, dir, spec, rep.line)
	if err != nil {
		return fail(err)
	}
	if remote == local.Head {
		return j.result(event.Unchanged, "up to date")
	}
	ahead, behind, err := b.Count(ctx, dir, local.Head, remote)
	if err != nil {
		return fail(err)
	}
	tracking := "origin/" + branch
	switch {
	case ahead > 0 && behind > 0:
		return j.result(event.Skipped, fmt.Sprintf("diverged from %s (%s, %s): rebase or merge by hand",
			tracking, plural(ahead, "local commit"), plural(behind, "new commit")))
	case ahead > 0:
		return j.result(event.Skipped, fmt.Sprintf("%s not on %s: push them or rebase",
			plural(ahead, "local commit"), tracking))
	}
	added, removed, err := b.Changes(ctx, dir, local.Head, remote)
	if err != nil {
		return fail(err)
	}
	if inTheWay := untrackedInTheWay(dir, added, removed); len(inTheWay) > 0 {
		return j.result(event.Skipped, fmt.Sprintf("untracked files would be overwritten by %s: %s: move them away",
			plural(behind, "new commit"), list(inTheWay)))
	}
	if err := ctx.Err(); err != nil {
		return fail(err)
	}
	if j.opts.DryRun {
		return Result{Name: j.spec.Name, Phase: event.Updating, Reason: "fast-forward: " + plural(behind, "new commit"), Planned: true, To: remote}
	}
	// Once begun, the fast-forward runs to its end: killed halfway it would
	// leave the working tree between two commits. It is quick.
	err = b.FastForward(context.WithoutCancel(ctx), dir, local.Head, remote)
	forgetOpened(ctx, dir)
	if err != nil {
		return fail(err)
	}
	return j.result(event.Updated, plural(behind, "new commit"))
}

// localBlocker says why the working copy cannot be fast-forwarded to branch,
// judging by the working copy alone; empty when it can.
func localBlocker(l Local, branch string) string {
	switch {
	case l.Head == "":
		return "no commit checked out yet: nothing to fast-forward"
	case l.Branch == "" && branch == "":
		return fmt.Sprintf("detached HEAD at %s: check out a branch to update it", short(l.Head))
	case l.Branch == "":
		return fmt.Sprintf("detached HEAD at %s: check out %s to update it", short(l.Head), branch)
	case l.Branch != branch:
		return fmt.Sprintf("on branch %s, not %s: check out %s to update it", l.Branch, branch, branch)
	case len(l.Dirty) > 0:
		return fmt.Sprintf("uncommitted changes in %s: commit or stash them", list(l.Dirty))
	}
	return ""
}

// untrackedInTheWay lists what is on disk where a fast-forward adding added
// and removing removed would write: untracked (or ignored) files, a file
// where a folder must go, a folder with such files where a file must go.
// git merge refuses some of these and silently overwrites ignored files;
// checking here makes both backends refuse all of them.
func untrackedInTheWay(dir string, added, removed []string) []string {
	gone := map[string]bool{}
	for _, p := range removed {
		gone[p] = true
	}
	found := map[string]bool{}
	for _, p := range added {
		if fi, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(p))); err == nil {
			if !fi.IsDir() || holdsOthers(dir, p, gone) {
				found[p] = true
			}
		}
		for q := path.Dir(p); q != "."; q = path.Dir(q) {
			if fi, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(q))); err == nil && !fi.IsDir() && !gone[q] {
				found[q] = true
			}
		}
	}
	return slices.Sorted(maps.Keys(found))
}

// holdsOthers reports whether the folder p holds anything but files that
// the update removes.
func holdsOthers(dir, p string, gone map[string]bool) bool {
	others := false
	root := filepath.Join(dir, filepath.FromSlash(p))
	_ = filepath.WalkDir(root, func(f string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(dir, f)
		if !gone[filepath.ToSlash(rel)] {
			others = true
			return filepath.SkipAll
		}
		return nil
	})
	return others
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// list names up to three paths, sorted, and counts the rest.
func list(paths []string) string {
	paths = slices.Sorted(slices.Values(paths))
	if len(paths) <= 3 {
		return strings.Join(paths, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(paths[:3], ", "), len(paths)-3)
}

func short(hash string) string { return hash[:min(len(hash), 7)] }
