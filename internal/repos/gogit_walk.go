package repos

import (
	"container/heap"
	"context"
	"errors"

	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// countApart counts the commits reachable from a but not b, and from b but
// not a, the way `git rev-list --left-right --count a...b` does.
func countApart(ctx context.Context, repo *gogit.Repository, a, b plumbing.Hash) (onlyA, onlyB int, err error) {
	if a == b {
		return 0, 0, nil
	}
	const fromA, fromB, both = 1, 2, 3
	flags, err := markWalk(ctx, repo, []start{{a, fromA}, {b, fromB}}, both)
	if err != nil {
		return 0, 0, err
	}
	for _, f := range flags {
		switch f {
		case fromA:
			onlyA++
		case fromB:
			onlyB++
		}
	}
	return onlyA, onlyB, nil
}

// countOnly counts the commits reachable from tip and from none of hide,
// as `git rev-list --count tip ^hide...` does.
func countOnly(ctx context.Context, repo *gogit.Repository, tip plumbing.Hash, hide ...plumbing.Hash) (int, error) {
	const fromTip, hidden = 1, 2
	starts := []start{}
	for _, h := range hide {
		starts = append(starts, start{h, hidden})
	}
	flags, err := markWalk(ctx, repo, append(starts, start{tip, fromTip}), hidden)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, f := range flags {
		if f == fromTip {
			n++
		}
	}
	return n, nil
}

// start is a commit a walk begins at, with the mark it carries.
type start struct {
	hash plumbing.Hash
	mark uint8
}

// markWalk walks the histories from the starts newest first, each commit
// passing its marks on to its parents, and stops once every commit left
// to walk carries all of done: further on is only history those share. It
// returns the marks of every commit it reached.
func markWalk(ctx context.Context, repo *gogit.Repository, starts []start, done uint8) (map[plumbing.Hash]uint8, error) {
	flags := map[plumbing.Hash]uint8{}
	q := &commitQueue{}
	push := func(h plumbing.Hash, f uint8) error {
		if flags[h]|f == flags[h] {
			return nil
		}
		flags[h] |= f
		c, err := repo.CommitObject(h)
		if errors.Is(err, plumbing.ErrObjectNotFound) {
			return nil // beyond a shallow clone's end
		}
		if err != nil {
			return err
		}
		heap.Push(q, c)
		return nil
	}
	for _, s := range starts {
		if err := push(s.hash, s.mark); err != nil {
			return nil, err
		}
	}
	for q.Len() > 0 && !q.allMarked(flags, done) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		c := heap.Pop(q).(*object.Commit)
		for _, p := range c.ParentHashes {
			if err := push(p, flags[c.Hash]); err != nil {
				return nil, err
			}
		}
	}
	return flags, nil
}

// commitQueue is a heap of commits, newest committer date first.
type commitQueue []*object.Commit

func (q commitQueue) Len() int           { return len(q) }
func (q commitQueue) Less(i, j int) bool { return q[i].Committer.When.After(q[j].Committer.When) }
func (q commitQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *commitQueue) Push(x any)        { *q = append(*q, x.(*object.Commit)) }
func (q *commitQueue) Pop() any {
	old := *q
	c := old[len(old)-1]
	*q = old[:len(old)-1]
	return c
}

// allMarked reports whether every queued commit carries all of mask, when
// walking further could only find shared history.
func (q commitQueue) allMarked(flags map[plumbing.Hash]uint8, mask uint8) bool {
	for _, c := range q {
		if flags[c.Hash]&mask != mask {
			return false
		}
	}
	return true
}
