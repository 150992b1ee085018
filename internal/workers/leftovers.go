package workers

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"sync"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/lockfile"
)

// EndLeftovers ends the worker processes an earlier crispify left running
// (it was killed, or the machine slept through its watchdog), from the state
// file: each one's whole family (see family: its group, its cgroup, the
// descendants recorded), SIGTERM then SIGKILL. A group whose leader's pid
// now names another process (its start time differs) is left alone, as are
// the entries where the start time cannot be read, and the workers of a
// crispify that is still alive (a detach daemon); a cgroup is crispify's
// own, whatever its leader became. The file is then cleared of what was
// ended; what could not be is kept, marked, for status and decrispify to
// name. It returns the names of the services it ended processes of, sorted.
func EndLeftovers(ctx context.Context, statePath string, sink event.Sink) (ended []string, err error) {
	if sink == nil {
		sink = event.Discard
	}
	if _, err := os.Stat(statePath); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	release, err := lockfile.Lock(stateLockPath(statePath))
	if err != nil {
		return nil, fmt.Errorf("read the worker state in %s: %w", statePath, err)
	}
	var stale []stateEntry
	for _, e := range readState(statePath) {
		if !ownerAlive(e) {
			stale = append(stale, e)
		}
	}
	release()
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		errs    []error
		seen    = map[string]bool{}
		unended = map[procID]bool{} // by leader
	)
	for _, e := range stale {
		f := leftoverFamily(e)
		if f.gone() {
			f.release()
			continue
		}
		wg.Go(func() {
			err := stopFamily(ctx, f, DefaultStopTimeout, nil)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				unended[procID{e.PID, e.Start}] = true
				err = fmt.Errorf("end leftover worker %s (pid %d): %w", e.Name, e.PID, err)
				if pids := f.alive(); len(pids) > 0 {
					err = fmt.Errorf("%w: end them by hand with kill -KILL %s", err, joinPIDs(pids, " "))
				}
				errs = append(errs, err)
				return
			}
			if !seen[e.Name] {
				seen[e.Name] = true
				ended = append(ended, e.Name)
			}
			sink.Emit(event.Event{Kind: event.Worker, Name: e.Name, Phase: event.Stopped, PID: e.PID,
				Msg: fmt.Sprintf("ended pid %d, left running by an earlier crispify", e.PID)})
		})
	}
	wg.Wait()
	// Only now is the file cleared of them: a crispify that ends them and
	// is killed meanwhile leaves them listed for the next one.
	handled := map[procID]bool{}
	for _, e := range stale {
		handled[procID{e.PID, e.Start}] = true
	}
	err = updateState(statePath, func(entries []stateEntry) []stateEntry {
		var keep []stateEntry
		for _, e := range entries {
			id := procID{e.PID, e.Start}
			switch {
			case unended[id]:
				e.Unended = true
				keep = append(keep, e)
			case !handled[id] || ownerAlive(e):
				keep = append(keep, e)
			}
		}
		return keep
	})
	if err != nil {
		errs = append(errs, fmt.Errorf("clear the worker state in %s: %w", statePath, err))
	}
	sort.Strings(ended)
	return ended, errors.Join(errs...)
}

// leftoverFamily is what of an entry's family is still crispify's: its
// group only while isOurs says so, its cgroup, its descendants by their
// start times.
func leftoverFamily(e stateEntry) *family {
	pgid := 0
	if isOurs(e) {
		pgid = e.PGID
	}
	return familyOf(pgid, e.Cgroup, e.Descendants)
}

// Survivor is what is left of a worker that crispify could not end:
// processes of a crispify that was killed, not ended yet, or that a stop
// could not end (another user's, or stuck in the kernel).
type Survivor struct {
	Name string
	PIDs []int
	// Tried says a stop tried to end them and could not; else their
	// crispify was killed and none tried yet.
	Tried bool
}

// Survivors lists, from the state file, the live processes of workers that
// no running crispify supervises: those of one that died, and those a stop
// could not end.
func Survivors(statePath string) []Survivor {
	var out []Survivor
	for _, e := range readState(statePath) {
		if ownerAlive(e) && !e.Unended {
			continue
		}
		if pids := leftoverFamily(e).alive(); len(pids) > 0 {
			out = append(out, Survivor{Name: e.Name, PIDs: pids, Tried: e.Unended})
		}
	}
	return out
}

// isOurs reports whether the entry's process group is still the one
// crispify started: its leader alive with the start time recorded, or, the
// leader gone (a `sh -c` that did not exec, killed with crispify), members
// of its group started since. While a member lives the group's id is not
// given to another process, so those members can only be the leader's own.
func isOurs(e stateEntry) bool {
	if e.PID <= 1 || e.PGID <= 1 || e.Start == 0 {
		return false
	}
	if processAlive(e.PID) {
		start, ok := startTime(e.PID)
		return ok && start == e.Start
	}
	return groupHasMemberSince(e.PGID, e.Start)
}

// ownerAlive reports whether the supervisor that wrote the entry still runs.
func ownerAlive(e stateEntry) bool {
	if e.Owner <= 0 || !processAlive(e.Owner) {
		return false
	}
	start, ok := startTime(e.Owner)
	return !ok || start == e.OwnerStart
}
