// Package repos owns the service repositories on disk: it clones the missing
// ones and, on request, fetches and fast-forwards the present ones, many at
// once, reporting progress as events.
//
// It never loses work: a clone is made in a temporary folder and renamed into
// place only when complete, and an update is a fast-forward of a clean
// working copy or nothing at all (the repo is skipped with the reason). It
// never prompts, because a hidden prompt hangs a parallel run, and it never
// prints a password written in a URL.
//
// Two backends do the git work behind one small interface: go-git, in
// process, and the git command.
package repos

import (
	"context"

	"github.com/crispify/crispify/internal/event"
)

// Spec is one repo to have on disk.
type Spec struct {
	Name string // names the repo in events, results and errors
	URL  string // as written in the manifest; may hold credentials
	// Branch to clone and keep up to date; empty means the remote's default
	// branch on clone and the checked-out branch on update.
	Branch string
	Dir    string // absolute folder of the working copy
}

// Result is what happened to one repo.
type Result struct {
	Name string
	// Phase is one of event.Cloned, Updated, Unchanged, Skipped or Failed.
	Phase event.Phase
	// Reason says, for people, why a repo was skipped or failed, or what
	// changed ("3 new commits"). It never holds a password.
	Reason string
	// Err is set when Phase is Failed; see the Err* values for its causes.
	Err error
	// Git is the git state of the working copy the run left; nil where
	// there is none (a clone that failed) or it could not be read.
	Git *GitState
	// Planned is set by a dry run: Phase is what would be done (Cloning,
	// Updating) or Unchanged, Skipped, Failed as a run would say; To is the
	// commit a fast-forward would move to.
	Planned bool
	To      string
}

// Options tune a run.
type Options struct {
	// Update fetches present repos and fast-forwards them; without it a
	// present repo is left alone.
	Update bool
	// Jobs is how many repos are worked on at once; 0 means DefaultJobs.
	Jobs int
	// Backend does the git work; nil means the one named DefaultBackend.
	Backend Backend
	// DryRun changes no working copy: a missing repo is reported as to be
	// cloned, and a present one, with Update, is fetched (its remote refs
	// move, as `git fetch` moves them) and reported as it would be
	// fast-forwarded, with the commit it would move to.
	DryRun bool
	// State reads each repo's git state after its sync; nil means a new
	// reader per repo. A live stack passes the one it keeps, so that a repo
	// whose HEAD and upstream stayed put is read without opening a commit.
	State *StateReader
}

// DefaultJobs is the parallelism of a run when Options.Jobs is not set.
const DefaultJobs = 8

func (o Options) withDefaults() Options {
	if o.Jobs <= 0 {
		o.Jobs = DefaultJobs
	}
	if o.Backend == nil {
		o.Backend, _ = BackendByName(DefaultBackend)
	}
	return o
}

// Sync brings every spec's repo onto disk (and up to date with Update), in
// parallel up to opts.Jobs, and returns one result per spec in spec order.
// Every repo is attempted: one failure does not stop the others.
func Sync(ctx context.Context, specs []Spec, opts Options, sink event.Sink) []Result {
	return syncAll(ctx, specs, opts.withDefaults(), orDiscard(sink))
}

// SyncOne is Sync for a single repo.
func SyncOne(ctx context.Context, spec Spec, opts Options, sink event.Sink) Result {
	j := job{spec: spec, opts: opts.withDefaults(), sink: orDiscard(sink)}
	return j.run(ctx)
}

func orDiscard(s event.Sink) event.Sink {
	if s == nil {
		return event.Discard
	}
	return s
}
