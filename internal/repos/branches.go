package repos

import (
	"context"
	"fmt"
	"strings"
)

// Branches lists the branches the working copy in dir has, locally or on
// origin as last fetched (origin/x counts as x), without fetching: what
// `crispify data prune` asks of every clone before it calls a data
// branch gone.
func Branches(ctx context.Context, dir string) (map[string]bool, error) {
	out, err := (cliGit{bin: "git"}).run(ctx, call{dir: dir}, "for-each-ref", "--format=%(refname)", "refs/heads", "refs/remotes/origin")
	if err != nil {
		return nil, fmt.Errorf("list the branches of %s: %w", dir, err)
	}
	have := map[string]bool{}
	for _, ref := range strings.Split(string(out), "\n") {
		switch {
		case strings.HasPrefix(ref, "refs/heads/"):
			have[strings.TrimPrefix(ref, "refs/heads/")] = true
		case strings.HasPrefix(ref, "refs/remotes/origin/") && ref != "refs/remotes/origin/HEAD":
			have[strings.TrimPrefix(ref, "refs/remotes/origin/")] = true
		}
	}
	return have, nil
}
