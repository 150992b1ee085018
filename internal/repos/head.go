package repos

import (
	"context"
	"fmt"
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
// commit to, in the words a restart gives as its reason: "3 new commits",
// "HEAD moved back 2 commits", "HEAD moved to 1a2b3c4 (2 new commits, 1
// dropped)".
func Moved(ctx context.Context, dir, from, to string) string {
	added, dropped, err := NewGoGit().Count(ctx, dir, to, from)
	switch {
	case err != nil:
		return "HEAD moved to " + short(to)
	case dropped == 0:
		return plural(added, "new commit")
	case added == 0:
		return "HEAD moved back " + plural(dropped, "commit")
	}
	return fmt.Sprintf("HEAD moved to %s (%s, %d dropped)", short(to), plural(added, "new commit"), dropped)
}
