package repos

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"sort"

	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	gittransport "github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	gitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"
	"github.com/go-git/go-git/v5/utils/merkletrie"

	"github.com/crispify/crispify/internal/trace"
)

// goGit is the Backend that does the git work in process with go-git.
type goGit struct{}

// NewGoGit returns the go-git backend. It authenticates over ssh with the
// SSH agent and ~/.ssh/known_hosts, over http(s) with the credentials of the
// URL or the token of CRISPIFY_GIT_TOKEN.
func NewGoGit() Backend { return goGit{} }

func (goGit) Name() string { return GoGit }

func (goGit) Clone(ctx context.Context, dir string, r Remote, progress func(string)) error {
	auth, err := goGitAuth(r)
	if err != nil {
		return err
	}
	trace.From(ctx).Printf("go-git clone %s into %s", r.URL, dir)
	w := &lines{fn: progress}
	opts := &gogit.CloneOptions{URL: r.URL, Auth: auth, Progress: w, CABundle: caBundle()}
	if r.Branch != "" {
		opts.ReferenceName = plumbing.NewBranchReferenceName(r.Branch)
	}
	_, err = gogit.PlainCloneContext(ctx, dir, false, opts)
	w.flush()
	return err
}

func (goGit) Fetch(ctx context.Context, dir string, r Remote, progress func(string)) (string, error) {
	repo, err := openIn(ctx, dir)
	if err != nil {
		return "", err
	}
	origin, err := repo.Remote("origin")
	if err != nil {
		return "", err
	}
	if len(origin.Config().URLs) == 0 {
		return "", gogit.ErrRemoteNotFound
	}
	o := originRemote(origin.Config().URLs[0], r)
	auth, err := goGitAuth(o)
	if err != nil {
		return "", err
	}
	// A copy of origin without the password its URL may hold, which goes
	// as auth instead, like everywhere else.
	remote := gogit.NewRemote(repo.Storer, &config.RemoteConfig{Name: "origin", URLs: []string{o.URL}})
	ref := plumbing.NewRemoteReferenceName("origin", r.Branch)
	trace.From(ctx).Printf("go-git fetch %s %s in %s", o.URL, r.Branch, dir)
	w := &lines{fn: progress}
	err = remote.FetchContext(ctx, &gogit.FetchOptions{
		RemoteName: "origin",
		RefSpecs:   []config.RefSpec{config.RefSpec("+" + plumbing.NewBranchReferenceName(r.Branch) + ":" + ref)},
		Auth:       auth,
		Progress:   w,
		CABundle:   caBundle(),
	})
	w.flush()
	if err != nil && !errors.Is(err, gogit.NoErrAlreadyUpToDate) {
		return "", err
	}
	got, err := repo.Reference(ref, true)
	if err != nil {
		return "", err
	}
	return got.Hash().String(), nil
}

func (goGit) Inspect(ctx context.Context, dir string) (Local, error) {
	repo, err := openIn(ctx, dir)
	if err != nil {
		return Local{}, err
	}
	var l Local
	head, err := repo.Reference(plumbing.HEAD, false)
	if err != nil {
		return l, err
	}
	if head.Type() == plumbing.SymbolicReference {
		l.Branch = head.Target().Short()
		if resolved, err := repo.Reference(head.Target(), true); err == nil {
			l.Head = resolved.Hash().String()
		}
	} else {
		l.Head = head.Hash().String()
	}
	if l.Head == "" {
		return l, nil // nothing committed, nothing tracked
	}
	// The index's stat data says which tracked files changed without
	// reading the others (what the git state of a board reads too): much
	// cheaper than go-git's Worktree.Status, which hashes the tree. Where
	// only git can tell (filters, an index form go-git does not read), ask
	// go-git's status as before.
	if dirty, err := dirtyPaths(ctx, repo, dir, l.Head); err == nil {
		l.Dirty = dirty
		return l, nil
	}
	wt, err := repo.Worktree()
	if err != nil {
		return l, err
	}
	st, err := wt.Status()
	if err != nil {
		return l, err
	}
	for path, s := range st {
		if changed(s.Staging) || changed(s.Worktree) {
			l.Dirty = append(l.Dirty, path)
		}
	}
	return l, nil
}

func changed(c gogit.StatusCode) bool { return c != gogit.Unmodified && c != gogit.Untracked }

func (goGit) Count(ctx context.Context, dir, a, b string) (int, int, error) {
	repo, err := openIn(ctx, dir)
	if err != nil {
		return 0, 0, err
	}
	return countApart(ctx, repo, plumbing.NewHash(a), plumbing.NewHash(b))
}

func (goGit) Changes(ctx context.Context, dir, from, to string) (added, removed []string, err error) {
	repo, err := openIn(ctx, dir)
	if err != nil {
		return nil, nil, err
	}
	treeOf := func(h string) (*object.Tree, error) {
		c, err := repo.CommitObject(plumbing.NewHash(h))
		if err != nil {
			return nil, err
		}
		return c.Tree()
	}
	a, err := treeOf(from)
	if err != nil {
		return nil, nil, err
	}
	b, err := treeOf(to)
	if err != nil {
		return nil, nil, err
	}
	changes, err := object.DiffTreeWithOptions(ctx, a, b, &object.DiffTreeOptions{DetectRenames: false})
	if err != nil {
		return nil, nil, err
	}
	for _, c := range changes {
		action, err := c.Action()
		if err != nil {
			return nil, nil, err
		}
		switch action {
		case merkletrie.Insert:
			added = append(added, c.To.Name)
		case merkletrie.Delete:
			removed = append(removed, c.From.Name)
		}
	}
	return added, removed, nil
}

func (goGit) FastForward(ctx context.Context, dir, from, to string) error {
	repo, err := openIn(ctx, dir)
	if err != nil {
		return err
	}
	head, err := repo.Head()
	if err != nil {
		return err
	}
	if head.Hash().String() != from {
		return fmt.Errorf("HEAD moved to %s meanwhile", head.Hash())
	}
	target := plumbing.NewHash(to)
	onlyHead, onlyTarget, err := countApart(ctx, repo, head.Hash(), target)
	if err != nil {
		return err
	}
	if onlyHead > 0 || onlyTarget == 0 {
		return fmt.Errorf("%s is no fast-forward of %s", to, from)
	}
	wt, err := repo.Worktree()
	if err != nil {
		return err
	}
	unlock, err := lockIndex(repo)
	if err != nil {
		return err
	}
	defer unlock()
	commit, err := repo.CommitObject(target)
	if err != nil {
		return err
	}
	if hidden, err := skipWorktreeInTheWay(repo, wt, commit); err != nil {
		return err
	} else if len(hidden) > 0 {
		return localChanges(hidden)
	}
	trace.From(ctx).Printf("go-git reset --merge %s in %s", short(to), dir)
	// MergeReset moves the branch, the index and the files that differ
	// between the two commits, and refuses when a tracked file has changes.
	return wt.Reset(&gogit.ResetOptions{Mode: gogit.MergeReset, Commit: target})
}

// caBundle is the certificate authorities the user has git trust with
// GIT_SSL_CAINFO (a company's own CA, say), for go-git to trust them too;
// nil leaves the system's.
func caBundle() []byte {
	if path := os.Getenv("GIT_SSL_CAINFO"); path != "" {
		if b, err := os.ReadFile(path); err == nil {
			return b
		}
	}
	return nil
}

// goGitAuth picks how go-git proves who we are, without ever prompting.
func goGitAuth(r Remote) (gittransport.AuthMethod, error) {
	switch transport(r.URL) {
	case "ssh":
		ep, err := gittransport.NewEndpoint(r.URL)
		if err != nil {
			return nil, err
		}
		// On Windows the agent is a named pipe, found without the variable.
		if runtime.GOOS != "windows" && os.Getenv("SSH_AUTH_SOCK") == "" {
			return nil, &cause{ErrNoAgent, "ssh: no SSH agent (SSH_AUTH_SOCK unset): start one and ssh-add your key"}
		}
		user := ep.User
		if user == "" {
			user = "git"
		}
		auth, err := gitssh.NewSSHAgentAuth(user)
		if err != nil {
			return nil, &cause{ErrNoAgent, "ssh: cannot use the SSH agent: start one and ssh-add your key"}
		}
		// Host keys are checked against ~/.ssh/known_hosts (or
		// $SSH_KNOWN_HOSTS), go-git's default when no callback is set.
		return auth, nil
	case "http":
		if r.User != "" || r.Password != "" {
			return &githttp.BasicAuth{Username: r.User, Password: r.Password}, nil
		}
	}
	return nil, nil
}

// dirtyPaths lists the tracked paths with changes, staged or not, from the
// index: errAskGit or errIndexForm when it cannot tell.
func dirtyPaths(ctx context.Context, repo *gogit.Repository, dir, head string) ([]string, error) {
	cfg, err := repo.Config()
	if err != nil {
		return nil, err
	}
	if f := cfg.Raw.Section("extensions").Options.Get("objectformat"); f != "" && f != "sha1" {
		return nil, errIndexForm
	}
	gd, err := gitDir(dir)
	if err != nil {
		return nil, err
	}
	commit, err := repo.CommitObject(plumbing.NewHash(head))
	if err != nil {
		return nil, err
	}
	dirty, err := changesIn(ctx, repo, dir, gd, nil, commit.TreeHash, cfg)
	if err != nil {
		return nil, err
	}
	sort.Strings(dirty)
	return dirty, nil
}
