package repos

import (
	"context"
	"fmt"
	"strings"
)

// Backend is the git work a run needs, as primitives both go-git and the git
// command can do. The decisions (what is safe to update, what to report) are
// made once, above it, so that both backends behave the same.
//
// Backends return their raw errors; the caller turns them into causes.
// Progress receives the human progress lines of git ("Receiving objects:
// 42% (420/1000)"), whole, without their line ending.
type Backend interface {
	// Name is the name BackendByName knows the backend by.
	Name() string
	// Clone clones r into dir, an empty folder, checking out r.Branch (the
	// remote's default branch when empty) and recording r.URL as origin.
	Clone(ctx context.Context, dir string, r Remote, progress func(string)) error
	// Fetch fetches r.Branch from the remote named origin into
	// refs/remotes/origin/<branch> and returns the commit it points at. The
	// credentials of r go along only if origin is on r's server: its owner
	// may have pointed it elsewhere.
	Fetch(ctx context.Context, dir string, r Remote, progress func(string)) (string, error)
	// Inspect reports the state of the working copy in dir.
	Inspect(ctx context.Context, dir string) (Local, error)
	// Count returns how many commits are reachable from a but not b, and
	// from b but not a.
	Count(ctx context.Context, dir, a, b string) (onlyA, onlyB int, err error)
	// Changes lists the paths (slash-separated, relative to the top of the
	// repo) that the commit to has and from has not, and the reverse.
	Changes(ctx context.Context, dir, from, to string) (added, removed []string, err error)
	// FastForward moves the checked-out branch from commit from to commit
	// to, a descendant, updating index and working tree. It refuses, and
	// changes nothing, when that is no fast-forward.
	FastForward(ctx context.Context, dir, from, to string) error
}

// Remote is where a repo comes from, with the credentials taken out of the
// URL so that neither the stored origin nor a command line holds them.
type Remote struct {
	URL    string // without a password; what origin records
	Branch string
	// User and Password authenticate over http(s); both empty means none.
	User, Password string
}

// Local is what Inspect finds in a working copy.
type Local struct {
	Branch string   // the checked-out branch; empty when HEAD is detached
	Head   string   // the commit HEAD is at; empty before the first commit
	Dirty  []string // tracked paths with changes, staged or not
}

// Backend names, for BackendByName and the --git flag.
const (
	GoGit = "go-git"
	CLI   = "cli"
)

// DefaultBackend is the backend a run uses unless told otherwise: auto,
// go-git's speed where it reads and fetches (updating 40 unchanged repos
// took 0.53 s against the git command's 1.46 s, scripts/bench-repos.sh),
// the user's own git wherever the working tree is written or go-git cannot
// authenticate. BENCHMARKS.md has the figures of all three.
const DefaultBackend = Auto

// BackendByName returns the backend called name: "auto", "go-git" or "cli".
func BackendByName(name string) (Backend, error) {
	switch name {
	case Auto:
		return NewAuto(), nil
	case GoGit:
		return NewGoGit(), nil
	case CLI:
		return NewCLI(), nil
	}
	return nil, fmt.Errorf("unknown git backend %q: use one of %s", name, strings.Join(BackendNames(), ", "))
}

// BackendNames lists the names BackendByName accepts.
func BackendNames() []string { return []string{Auto, GoGit, CLI} }
