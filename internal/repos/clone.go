package repos

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/crispify/crispify/internal/event"
)

// clone makes the missing repo in a temporary folder beside its target and
// renames it into place only when complete, so that an interrupted clone,
// even a killed one, never leaves a half-made repo where a whole one is
// expected. emptyTarget says the target exists as an empty folder.
func (j job) clone(ctx context.Context, emptyTarget bool) Result {
	r := remoteFor(j.spec.URL, j.spec.Branch)
	fail := func(err error) Result { return j.fail("clone", explain(err, r)) }

	dir := j.spec.Dir
	parent, base := filepath.Dir(dir), filepath.Base(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fail(err)
	}
	removeLeftovers(parent, base)
	tmp, err := os.MkdirTemp(parent, tempPrefix(base))
	if err != nil {
		return fail(err)
	}
	placed := false
	defer func() {
		if !placed {
			removeAll(tmp)
		}
	}()

	rep := &reporter{sink: j.sink, name: j.spec.Name, phase: event.Cloning}
	rep.start("cloning")
	err = j.opts.Backend.Clone(ctx, tmp, r, rep.line)
	if err == nil {
		// A clone that beat the cancel is dropped all the same: a cancelled
		// run adds nothing.
		err = ctx.Err()
	}
	if err != nil {
		return fail(err)
	}
	if emptyTarget {
		if err := os.Remove(dir); err != nil {
			return fail(err)
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		return fail(err)
	}
	placed = true
	return j.result(event.Cloned, "")
}

// tempPrefix names the temporary folders of clones into base: hidden, and
// recognisable as crispify's by the next run.
func tempPrefix(base string) string { return "." + base + ".crispify-clone-" }

// removeLeftovers removes what an earlier run, killed while it cloned into
// base, left behind.
func removeLeftovers(parent, base string) {
	entries, err := os.ReadDir(parent)
	if err != nil {
		return
	}
	prefix := tempPrefix(base)
	for _, e := range entries {
		if e.IsDir() && strings.HasPrefix(e.Name(), prefix) {
			removeAll(filepath.Join(parent, e.Name()))
		}
	}
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
