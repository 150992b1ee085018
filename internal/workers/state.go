package workers

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/crispify/crispify/internal/lockfile"
)

// The state file is the third layer against orphans: workers.json lists
// every live worker process with its start time and what tracks its
// descendants (its cgroup, or those found), so that the next run or
// decrispify can end what a killed crispify left, and only that.

// StatePath is the state file of a project's workers in a state folder:
// workers-<project>.json, so that two projects sharing a workspace never
// end each other's processes; workers.json without a project.
func StatePath(stateDir, project string) string {
	if project == "" {
		return filepath.Join(stateDir, "workers.json")
	}
	return filepath.Join(stateDir, "workers-"+project+".json")
}

// stateLockPath is the lock guarding the state file at path.
func stateLockPath(path string) string {
	return strings.TrimSuffix(path, ".json") + ".lock"
}

// stateEntry is one live worker process.
type stateEntry struct {
	Name    string `json:"name"`
	Replica int    `json:"replica"`
	PID     int    `json:"pid"`
	PGID    int    `json:"pgid"`
	// Start is the process's start time as the platform tells it (Linux:
	// clock ticks since boot; macOS: microseconds since the epoch); 0 when
	// unknown. With PID it tells the process from one that reused the pid.
	Start uint64 `json:"start"`
	// Owner is the supervising crispify, so that a run does not end the
	// workers of another one that is alive (a detach daemon).
	Owner      int    `json:"owner"`
	OwnerStart uint64 `json:"owner_start"`
	// Cgroup is the cgroup holding every process descended from it, ""
	// when none could be had (see family).
	Cgroup string `json:"cgroup,omitempty"`
	// Descendants are those found outside a cgroup, by the subreaper's
	// scans, each with its start time so that a reused pid is never ended.
	Descendants []procID `json:"descendants,omitempty"`
	// Unended says a stop could not end all of it: it stays listed, and
	// status and decrispify name its processes.
	Unended bool `json:"unended,omitempty"`
}

// procID names one process for good: no two processes of one boot share
// a pid and a start time.
type procID struct {
	PID   int    `json:"pid"`
	Start uint64 `json:"start"`
}

// stateRecord keeps this supervisor's entries in workers.json current. Other
// supervisors' entries in the file are kept as they are.
type stateRecord struct {
	path       string
	owner      int
	ownerStart uint64

	mu   sync.Mutex
	live map[int]stateEntry // by pid
}

func newStateRecord(path string) *stateRecord {
	owner := os.Getpid()
	start, _ := startTime(owner)
	return &stateRecord{path: path, owner: owner, ownerStart: start, live: map[int]stateEntry{}}
}

// add records a process that started. Its error says the process is not
// recorded: a crispify killed then could not end it, so the caller stops
// it (issue 19: a full disk lost track of a worker).
func (s *stateRecord) add(name string, replica int, fam *family) error {
	pid := fam.pgid
	start, _ := startTime(pid)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.live[pid] = stateEntry{Name: name, Replica: replica, PID: pid, PGID: pid, Start: start, Owner: s.owner, OwnerStart: s.ownerStart,
		Cgroup: fam.cgroupDir(), Descendants: fam.known()}
	if err := s.saveLocked(); err != nil {
		delete(s.live, pid)
		return fmt.Errorf("record its pid %d in %s: %w", pid, s.path, err)
	}
	return nil
}

// update records what a scan found of a process's descendants, or that a
// stop could not end all of its family. A failure to write is dropped:
// the process and what tracks it were recorded when it started, and the
// watchdog holds them too.
func (s *stateRecord) update(pid int, fam *family, unended bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.live[pid]
	if !ok {
		return
	}
	e.Descendants, e.Unended = fam.known(), e.Unended || unended
	s.live[pid] = e
	_ = s.saveLocked()
}

// remove forgets a process whose family is gone. A failure to write leaves
// an entry that the next run drops, its process not alive.
func (s *stateRecord) remove(pid int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.live[pid]; !ok {
		return
	}
	delete(s.live, pid)
	_ = s.saveLocked()
}

func (s *stateRecord) saveLocked() error {
	return updateState(s.path, func(entries []stateEntry) []stateEntry {
		out := entries[:0]
		for _, e := range entries {
			if e.Owner != s.owner || e.OwnerStart != s.ownerStart {
				out = append(out, e)
			}
		}
		for _, e := range s.live {
			out = append(out, e)
		}
		return out
	})
}

// updateState rewrites the state file at path with change, under a lock
// file so that two crispify processes of one project do not lose each
// other's entries.
func updateState(path string, change func([]stateEntry) []stateEntry) error {
	release, err := lockfile.Lock(stateLockPath(path))
	if err != nil {
		return fmt.Errorf("update the workers' state: %w", err)
	}
	defer release()
	entries := change(readState(path))
	if len(entries) == 0 {
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("clear %s: %w", path, err)
		}
		return nil
	}
	sort.Slice(entries, func(i, j int) bool {
		if entries[i].Name != entries[j].Name {
			return entries[i].Name < entries[j].Name
		}
		return entries[i].Replica < entries[j].Replica
	})
	b, err := json.MarshalIndent(entries, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	// Their errors name the files already.
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}

// readState returns the entries of the state file; none when it is missing
// or unreadable (a file cut short by a crash is worth nothing).
func readState(path string) []stateEntry {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var entries []stateEntry
	if json.Unmarshal(b, &entries) != nil {
		return nil
	}
	return entries
}
