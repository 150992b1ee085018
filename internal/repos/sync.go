package repos

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/sync/errgroup"

	"github.com/crispify/crispify/internal/event"
)

func syncAll(ctx context.Context, specs []Spec, opts Options, sink event.Sink) []Result {
	results := make([]Result, len(specs))
	var g errgroup.Group
	g.SetLimit(opts.Jobs)
	// Two repos in one folder would race each other; the second is refused.
	owner := map[string]string{}
	for i, spec := range specs {
		j := job{spec: spec, opts: opts, sink: sink}
		dir := filepath.Clean(spec.Dir)
		if first, taken := owner[dir]; taken {
			results[i] = j.finish(ctx, j.fail("clone", fmt.Errorf("%s is also the folder of %s: give one of them another path", spec.Dir, first)))
			continue
		}
		owner[dir] = spec.Name
		g.Go(func() error {
			results[i] = j.run(ctx)
			return nil // a failure is a result, never a reason to stop the others
		})
	}
	_ = g.Wait()
	return results
}

// job is the work on one repo.
type job struct {
	spec Spec
	opts Options
	sink event.Sink
}

func (j job) run(ctx context.Context) Result {
	ctx = withOpened(ctx)
	return j.finish(ctx, j.sync(ctx))
}

func (j job) sync(ctx context.Context) Result {
	if !filepath.IsAbs(j.spec.Dir) {
		return j.fail("clone", fmt.Errorf("folder %q is not absolute", j.spec.Dir))
	}
	found, err := probe(j.spec.Dir)
	switch {
	case err != nil:
		return j.fail("clone", err)
	case found == gitRepo && !j.opts.Update:
		return j.result(event.Unchanged, "present")
	case found == notRepo:
		return j.fail("clone", &cause{ErrNotRepo, fmt.Sprintf(
			"%s exists and is not a git repository: move it away or fix the service's path in the manifest", j.spec.Dir)})
	}
	op := "clone"
	if found == gitRepo {
		op = "update"
	}
	// A run cancelled while this repo waited for its turn starts nothing.
	if err := ctx.Err(); err != nil {
		return j.fail(op, explain(err, Remote{}))
	}
	if found != gitRepo && j.opts.DryRun {
		return Result{Name: j.spec.Name, Phase: event.Cloning, Reason: "not cloned yet", Planned: true}
	}
	if found == gitRepo {
		return j.update(ctx)
	}
	return j.clone(ctx, found == emptyDir)
}

// finish reports the outcome of a repo, as its final event, with the git
// state of the working copy it leaves, wherever there is one to read.
func (j job) finish(ctx context.Context, r Result) Result {
	e := event.Event{Kind: event.Repo, Name: j.spec.Name, Phase: r.Phase, Msg: Redact(r.Reason)}
	if r.Err != nil {
		e.Error = Redact(r.Err.Error())
	}
	state := j.opts.State
	if state == nil {
		state = NewStateReader()
	}
	if st, err := state.Read(ctx, j.spec.Dir, j.spec.Branch); err == nil {
		r.Git, e.Git = &st, &st
	}
	j.sink.Emit(e)
	return r
}

func (j job) result(phase event.Phase, reason string) Result {
	return Result{Name: j.spec.Name, Phase: phase, Reason: reason}
}

// fail is a failed result; why must hold no secret (use explain on errors
// of git).
func (j job) fail(op string, why error) Result {
	return Result{Name: j.spec.Name, Phase: event.Failed, Reason: Redact(why.Error()), Err: failure(op, j.spec.Name, j.spec.URL, why)}
}

// where is what a target folder holds.
type where int

const (
	missing where = iota
	emptyDir
	gitRepo
	notRepo
)

func probe(dir string) (where, error) {
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return missing, nil
	}
	if err != nil {
		return 0, err
	}
	if !fi.IsDir() {
		return notRepo, nil
	}
	// A file .git is a linked worktree or a submodule: a repo too.
	if _, err := os.Lstat(filepath.Join(dir, ".git")); err == nil {
		return gitRepo, nil
	}
	f, err := os.Open(dir)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	if _, err := f.Readdirnames(1); errors.Is(err, io.EOF) {
		return emptyDir, nil
	}
	return notRepo, nil
}
