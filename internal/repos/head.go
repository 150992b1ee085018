package repos

import (
	"context"
	"fmt"
	"strings"

	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
)

// Head returns the commit that HEAD of the repo in dir is at, read in
// process: what a running worker was started from.
func Head(dir string) (string, error) {
	r, err := open(dir)
	if err != nil {
		return "", fmt.Errorf("open the repo in %s: %w", dir, err)
	}
	ref, err := r.Head()
	if err != nil {
		return "", fmt.Errorf("read HEAD of the repo in %s: %w", dir, err)
	}
	return ref.Hash().String(), nil
}

// Moved says how HEAD of the repo in dir moved from the commit from to the
// commit to, in the words a restart gives as its reason, telling apart
// what a fetch brought from what was committed here:
//
//   - "checked out feature-x" when HEAD is on another branch than when it
//     left from (HEAD's reflog says which), "checked out 1a2b3c4
//     (detached)" when on none;
//   - "3 new commits" for commits the upstream has (fetched: reachable
//     from the remote branch the checked-out branch tracks, else
//     origin/<branch>), "1 local commit" for the others, "2 new commits, 1
//     local commit" for both;
//   - "HEAD moved back 2 commits", "HEAD moved to 1a2b3c4 (2 new commits, 1
//     dropped)" when to does not descend from from.
func Moved(ctx context.Context, dir, from, to string) string {
	unknown := "HEAD moved to " + short(to)
	repo, err := openIn(ctx, dir)
	if err != nil {
		return unknown
	}
	branch, ok := currentBranch(repo)
	if !ok {
		return unknown
	}
	if gd, err := gitDir(dir); err == nil {
		if was, known := branchWhenLeft(gd, branch, from); known && was != branch {
			if branch == "" {
				return "checked out " + short(to) + " (detached)"
			}
			return "checked out " + branch
		}
	}
	f, t := plumbing.NewHash(from), plumbing.NewHash(to)
	added, dropped, err := countApart(ctx, repo, t, f)
	switch {
	case err != nil, added == 0 && dropped == 0:
		return unknown
	case added == 0:
		return "HEAD moved back " + plural(dropped, "commit")
	case dropped > 0:
		return fmt.Sprintf("HEAD moved to %s (%s, %d dropped)", short(to), plural(added, "new commit"), dropped)
	}
	local := added
	if up, ok := upstreamHash(repo, branch); ok {
		if local, err = countOnly(ctx, repo, t, f, up); err != nil {
			return plural(added, "new commit") // as it read before it could tell
		}
	}
	return commitsWords(added-local, local)
}

// commitsWords says "3 new commits", "1 local commit", or both.
func commitsWords(fetched, local int) string {
	var parts []string
	if fetched > 0 {
		parts = append(parts, plural(fetched, "new commit"))
	}
	if local > 0 {
		parts = append(parts, plural(local, "local commit"))
	}
	return strings.Join(parts, ", ")
}

// currentBranch is the branch HEAD is on, "" when detached; ok is false
// when HEAD cannot be read.
func currentBranch(repo *gogit.Repository) (string, bool) {
	head, err := repo.Reference(plumbing.HEAD, false)
	if err != nil {
		return "", false
	}
	if head.Type() == plumbing.SymbolicReference {
		return head.Target().Short(), true
	}
	return "", true
}

// upstreamHash is the commit of the remote branch that branch tracks, as
// its config says, else of origin/<branch>, where crispify's own update
// fetches it; ok is false when there is none.
func upstreamHash(repo *gogit.Repository, branch string) (plumbing.Hash, bool) {
	if branch == "" {
		return plumbing.ZeroHash, false
	}
	name := plumbing.NewRemoteReferenceName("origin", branch)
	if cfg, err := repo.Config(); err == nil {
		if ref, _ := upstreamOf(cfg, branch); ref != "" {
			name = ref
		}
	}
	ref, err := repo.Reference(name, true)
	if err != nil {
		return plumbing.ZeroHash, false
	}
	return ref.Hash(), true
}
