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
)

// EndLeftovers ends the worker processes an earlier crispify left running
// (it was killed, or the machine slept through its watchdog), from the state
// file: each group whose leader is alive and started when the file says,
// SIGTERM then SIGKILL. A pid now used by another process does not match its
// start time and is left alone, as is every entry where the start time
// cannot be read, and the workers of a crispify that is still alive (a
// detach daemon). The file is then cleared of what was handled. It returns
// the names of the services it ended processes of, sorted.
func EndLeftovers(ctx context.Context, statePath string, sink event.Sink) (ended []string, err error) {
	if sink == nil {
		sink = event.Discard
	}
	if _, err := os.Stat(statePath); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	var stale []stateEntry
	err = updateState(statePath, func(entries []stateEntry) []stateEntry {
		var keep []stateEntry
		for _, e := range entries {
			if ownerAlive(e) {
				keep = append(keep, e)
			} else {
				stale = append(stale, e)
			}
		}
		return keep
	})
	if err != nil {
		return nil, fmt.Errorf("read the worker state in %s: %w", statePath, err)
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
		seen = map[string]bool{}
	)
	for _, e := range stale {
		if !isOurs(e) {
			continue
		}
		wg.Go(func() {
			err := stopGroup(ctx, e.PGID, DefaultStopTimeout)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, fmt.Errorf("end leftover worker %s (pid %d): %w: end it by hand with kill -KILL -- -%d", e.Name, e.PID, err, e.PGID))
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
	sort.Strings(ended)
	return ended, errors.Join(errs...)
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
