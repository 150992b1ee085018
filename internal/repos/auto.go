package repos

import (
	"context"
	"errors"
)

// Auto is the default backend: it reads and fetches in process with go-git,
// where the git command pays for starting several processes per repo, and
// leaves every write to the working tree (clone, fast-forward) to the user's
// own git, which runs their LFS filters, hooks and attributes. Whatever
// go-git cannot authenticate (keys outside the agent, credential helpers)
// and every working copy it finds dirty are asked of git again, so that the
// user's git has the last word.
const Auto = "auto"

type autoGit struct {
	fast Backend // go-git
	own  Backend // the git command
}

// NewAuto returns the auto backend.
func NewAuto() Backend { return autoGit{fast: NewGoGit(), own: NewCLI()} }

func (autoGit) Name() string { return Auto }

func (a autoGit) Clone(ctx context.Context, dir string, r Remote, progress func(string)) error {
	return a.own.Clone(ctx, dir, r, progress)
}

func (a autoGit) Fetch(ctx context.Context, dir string, r Remote, progress func(string)) (string, error) {
	head, err := a.fast.Fetch(ctx, dir, r, progress)
	if err != nil && ctx.Err() == nil && needsOwnGit(err, r) {
		return a.own.Fetch(ctx, dir, r, progress)
	}
	return head, err
}

// Inspect trusts go-git when it finds the working copy clean; a change it
// sees may be one git would not count (line endings, file modes under the
// user's settings), so git is asked then.
func (a autoGit) Inspect(ctx context.Context, dir string) (Local, error) {
	l, err := a.fast.Inspect(ctx, dir)
	if err != nil || len(l.Dirty) > 0 {
		return a.own.Inspect(ctx, dir)
	}
	return l, nil
}

func (a autoGit) Count(ctx context.Context, dir, x, y string) (int, int, error) {
	return a.fast.Count(ctx, dir, x, y)
}

func (a autoGit) Changes(ctx context.Context, dir, from, to string) ([]string, []string, error) {
	return a.fast.Changes(ctx, dir, from, to)
}

func (a autoGit) FastForward(ctx context.Context, dir, from, to string) error {
	return a.own.FastForward(ctx, dir, from, to)
}

// needsOwnGit tells a failure the user's git may not have: authentication
// and host keys, which it can take from places go-git does not read.
func needsOwnGit(err error, r Remote) bool {
	cause := explain(err, r)
	return errors.Is(cause, ErrAuth) || errors.Is(cause, ErrNoAgent) || errors.Is(cause, ErrHostKey)
}
