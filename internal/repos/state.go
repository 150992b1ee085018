package repos

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"

	"github.com/crispify/crispify/internal/event"
)

// GitState is how a working copy stands (branch, ahead, behind, dirty,
// untracked, off the manifest's branch), as repo events carry it. The type lives in the
// event package so that the UI can show it without importing this one.
type GitState = event.Git

// ReadState reads the git state of the working copy in dir; want is the
// branch the manifest names ("" for none), against which the state says
// whether the repo is off it. It is StateReader.Read without the memory
// of earlier reads: for a one-off look, like `crispify status`.
func ReadState(ctx context.Context, dir, want string) (GitState, error) {
	return NewStateReader().Read(ctx, dir, want)
}

// StateReader reads the git state of working copies, again and again: what
// a live stack does whenever a repo changes. It remembers, per folder, what
// cannot change (the tree of a commit, the commits between two commits), so
// that a read that finds HEAD and the upstream where they were opens no
// object of git at all. It holds one such memo per folder read, replaced
// when HEAD or the upstream moves. Safe for concurrent use.
type StateReader struct {
	mu   sync.Mutex
	memo map[string]stateMemo
}

// stateMemo is what a StateReader keeps of one folder: facts about commits,
// which are immutable.
type stateMemo struct {
	head, tree     plumbing.Hash // HEAD's commit and its tree
	upstream       plumbing.Hash // the upstream's commit, when counted
	ahead, behind  int
	countedAgainst bool // ahead and behind are of head against upstream
}

// NewStateReader returns a reader with nothing remembered.
func NewStateReader() *StateReader { return &StateReader{memo: map[string]stateMemo{}} }

// Read reads the git state of the working copy in dir; want is the branch
// the manifest names ("" for none).
//
// It reads in process, the way git status does and as cheaply: HEAD, the
// branch's upstream from the config, the commits between the two, then
// the index, whose recorded stat data tells an unchanged file without
// opening it; only a file whose stat changed is read and hashed. Files
// not tracked are counted as git status counts them by default, a new
// folder once (countUntracked), from the folders that hold tracked files,
// never going into an ignored one. Where something may make git see a
// file differently than its bytes (a .gitattributes, core.autocrlf) and a
// file looks changed, or the index has a form only git reads (split,
// sparse), the user's own git is asked instead: one `git status`, which
// does not write the index. Nothing in the repo is ever written.
func (r *StateReader) Read(ctx context.Context, dir, want string) (GitState, error) {
	r.mu.Lock()
	memo := r.memo[dir]
	r.mu.Unlock()
	st, err := readStateInProcess(ctx, dir, want, &memo)
	if err == nil {
		r.mu.Lock()
		r.memo[dir] = memo
		r.mu.Unlock()
		return st, nil
	}
	if ctx.Err() != nil {
		return GitState{}, fmt.Errorf("read the git state of %s: %w", dir, ctx.Err())
	}
	if errors.Is(err, gogit.ErrRepositoryNotExists) {
		return GitState{}, fmt.Errorf("read the git state of %s: not a git repository: run `crispify repos` to clone it", dir)
	}
	st, cliErr := readStateCLI(ctx, dir, want)
	if cliErr != nil {
		return GitState{}, fmt.Errorf("read the git state of %s: %w (run git status there to see why)", dir, errors.Join(err, cliErr))
	}
	return st, nil
}

// errAskGit says the in-process reading cannot be sure, and git must say.
var errAskGit = errors.New("only git can tell")

// readStateInProcess reads the state with go-git and the index, using and
// updating memo.
func readStateInProcess(ctx context.Context, dir, want string, memo *stateMemo) (GitState, error) {
	st := GitState{Want: want}
	repo, err := openIn(ctx, dir)
	if err != nil {
		return st, err
	}
	head, err := repo.Reference(plumbing.HEAD, false)
	if err != nil {
		return st, err
	}
	var at plumbing.Hash
	if head.Type() == plumbing.SymbolicReference {
		st.Branch = head.Target().Short()
		// A branch not yet born (no commit) has no ref, and that is all.
		resolved, err := repo.Reference(head.Target(), true)
		switch {
		case err == nil:
			at = resolved.Hash()
		case !errors.Is(err, plumbing.ErrReferenceNotFound):
			return st, err
		}
	} else {
		at = head.Hash()
	}
	if !at.IsZero() {
		st.Head = at.String()
	}
	if memo.head != at {
		*memo = stateMemo{head: at}
	}
	cfg, err := repo.Config()
	if err != nil {
		return st, err
	}
	if f := cfg.Raw.Section("extensions").Options.Get("objectformat"); f != "" && f != "sha1" {
		return st, fmt.Errorf("%w: %s object names", errIndexForm, f)
	}
	gd, err := gitDir(dir)
	if err != nil {
		return st, err
	}
	if ref, name := upstreamOf(cfg, st.Branch); ref != "" && !at.IsZero() {
		if up, err := repo.Reference(ref, true); err == nil {
			st.Upstream = name
			if !memo.countedAgainst || memo.upstream != up.Hash() {
				ahead, behind, err := countApart(ctx, repo, at, up.Hash())
				if err != nil {
					return st, err
				}
				memo.upstream, memo.ahead, memo.behind, memo.countedAgainst = up.Hash(), ahead, behind, true
			}
			st.Ahead, st.Behind = memo.ahead, memo.behind
		}
	}
	if memo.tree.IsZero() && !at.IsZero() {
		commit, err := repo.CommitObject(at)
		if err != nil {
			return st, err
		}
		memo.tree = commit.TreeHash
	}
	idx, err := readIndex(gd)
	if err != nil {
		return st, err
	}
	dirty, err := changesIn(ctx, repo, dir, gd, idx, memo.tree, cfg)
	if err != nil {
		return st, err
	}
	st.Dirty = len(dirty)
	// Never remembered: a file added or removed changes no commit.
	if st.Untracked, err = countUntracked(ctx, dir, gd, idx, cfg); err != nil {
		return st, err
	}
	return st, nil
}

// upstreamOf returns the ref that branch tracks (refs/remotes/origin/master)
// and its short name (origin/master), as branch.<name>.remote and .merge
// and the remote's fetch refspecs say; empty when it tracks none.
func upstreamOf(cfg *config.Config, branch string) (plumbing.ReferenceName, string) {
	b := cfg.Branches[branch]
	if branch == "" || b == nil || b.Merge == "" {
		return "", ""
	}
	if b.Remote == "." { // a local branch as upstream
		return b.Merge, b.Merge.Short()
	}
	r := cfg.Remotes[b.Remote]
	if r == nil {
		return "", ""
	}
	for _, rs := range r.Fetch {
		if rs.Match(b.Merge) {
			dst := rs.Dst(b.Merge)
			return dst, dst.Short()
		}
	}
	return "", ""
}

// readStateCLI asks the git command: one status, which says all of it.
// Untracked files are listed as the in-process reading counts them
// (normal: a new folder once), whatever status.showUntrackedFiles says.
func readStateCLI(ctx context.Context, dir, want string) (GitState, error) {
	out, err := cliGit{bin: "git"}.run(ctx, call{dir: dir}, "status", "--porcelain=v2", "--branch", "-z", "--untracked-files=normal")
	if err != nil {
		return GitState{}, err
	}
	return parseState(out, want), nil
}

// parseState reads `git status --porcelain=v2 --branch -z`, the headers of
// the upstream and the untracked entries ("? path") included.
func parseState(out []byte, want string) GitState {
	l := parseStatus(out)
	st := GitState{Branch: l.Branch, Head: l.Head, Want: want, Dirty: len(l.Dirty)}
	upstream := ""
	entries := strings.Split(string(out), "\x00")
	for i := 0; i < len(entries); i++ {
		switch e := entries[i]; {
		case strings.HasPrefix(e, "2 "):
			i++ // a rename is followed by the path it had, which may read as anything
		case strings.HasPrefix(e, "? "):
			st.Untracked++
		case strings.HasPrefix(e, "# branch.upstream "):
			upstream = strings.TrimPrefix(e, "# branch.upstream ")
		case strings.HasPrefix(e, "# branch.ab "):
			// "+A -B"; absent when the upstream is gone.
			f := strings.Fields(strings.TrimPrefix(e, "# branch.ab "))
			if len(f) == 2 {
				st.Ahead, _ = strconv.Atoi(strings.TrimPrefix(f[0], "+"))
				st.Behind, _ = strconv.Atoi(strings.TrimPrefix(f[1], "-"))
				st.Upstream = upstream
			}
		}
	}
	return st
}
