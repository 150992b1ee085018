package workers

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
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
func EndLeftovers(ctx context.Context, stateDir string, sink event.Sink) (ended []string, err error) {
	if sink == nil {
		sink = event.Discard
	}
	if _, err := os.Stat(filepath.Join(stateDir, stateFile)); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	var stale []stateEntry
	err = updateState(stateDir, func(entries []stateEntry) []stateEntry {
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
		return nil, fmt.Errorf("read the worker state in %s: %w", stateDir, err)
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

// isOurs reports whether the entry's process is still the one crispify
// started: alive, with the start time recorded.
func isOurs(e stateEntry) bool {
	if e.PID <= 1 || e.PGID <= 1 || e.Start == 0 || !processAlive(e.PID) {
		return false
	}
	start, ok := startTime(e.PID)
	return ok && start == e.Start
}

// ownerAlive reports whether the supervisor that wrote the entry still runs.
func ownerAlive(e stateEntry) bool {
	if e.Owner <= 0 || !processAlive(e.Owner) {
		return false
	}
	start, ok := startTime(e.Owner)
	return !ok || start == e.OwnerStart
}
