package repos

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/crispify/crispify/internal/event"
)

// clone makes the missing repo in a temporary folder beside its target and
// renames it into place only when complete, so that an interrupted clone,
// even a killed one, never leaves a half-made repo where a whole one is
// expected. emptyTarget says the target exists as an empty folder.
func (j job) clone(ctx context.Context, emptyTarget bool) Result {
	r, err := remoteFor(j.spec.URL, j.spec.Branch)
	fail := func(err error) Result { return j.fail("clone", explain(err, r)) }
	if err != nil {
		return fail(err)
	}

	dir := j.spec.Dir
	parent, base := filepath.Dir(dir), filepath.Base(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fail(err)
	}
	removeLeftovers(parent, base)
	tmp, err := makeTempClone(parent, base)
	if err != nil {
		return fail(err)
	}
	placed := false
	defer func() { tmp.release(placed) }()

	rep := &reporter{sink: j.sink, name: j.spec.Name, phase: event.Cloning}
	rep.start("cloning")
	err = j.opts.Backend.Clone(ctx, tmp.dir, r, rep.line)
	if err == nil {
		// A clone that beat the cancel is dropped all the same: a cancelled
		// run adds nothing.
		err = ctx.Err()
	}
	if err != nil {
		return fail(err)
	}
	if emptyTarget {
		if err := os.Remove(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return j.placedMeanwhile(fail(err))
		}
	}
	if err := os.Rename(tmp.dir, dir); err != nil {
		return j.placedMeanwhile(fail(err))
	}
	placed = true
	return j.result(event.Cloned, "")
}

// placedMeanwhile is the result of a clone that could not be renamed into
// place: unchanged when another run (two crispify repos at once) placed the
// repo first, else failed.
func (j job) placedMeanwhile(failed Result) Result {
	if found, err := probe(j.spec.Dir); err == nil && found == gitRepo {
		return j.result(event.Unchanged, "cloned meanwhile by another crispify")
	}
	return failed
}

// removeAll retries for a moment: a git child killed on cancel may still hold
// a file open (Windows refuses to delete those), or add one as it dies.
func removeAll(dir string) {
	for range 10 {
		if os.RemoveAll(dir) == nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}
