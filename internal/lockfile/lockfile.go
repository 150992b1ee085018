// Package lockfile takes exclusive locks on files, which the operating
// system drops when the holding process dies (flock on unix, LockFileEx on
// windows), so that a crash never leaves a stale lock behind.
package lockfile

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// ErrLocked says another process holds the lock.
var ErrLocked = errors.New("locked by another process")

// pollEvery is how often Wait tries a lock held elsewhere: a lock wait
// cannot be cancelled, a poll can.
const pollEvery = 50 * time.Millisecond

// Lock locks path, creating it and its folder, and waits as long as another
// process holds it. release unlocks it.
func Lock(path string) (release func(), err error) {
	return lock(path, false)
}

// TryLock locks path like Lock but fails at once with ErrLocked while
// another process holds it.
func TryLock(path string) (release func(), err error) {
	return lock(path, true)
}

// Wait locks path like Lock, and gives up when ctx ends. busy, when not
// nil, is called once, the first time the lock is found held elsewhere, so
// that the caller can say what it is waiting for.
func Wait(ctx context.Context, path string, busy func()) (release func(), err error) {
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for told := false; ; told = true {
		release, err := TryLock(path)
		if !errors.Is(err, ErrLocked) {
			return release, err
		}
		if !told && busy != nil {
			busy()
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("wait for the lock %s: %w", path, ctx.Err())
		case <-tick.C:
		}
	}
}

func lock(path string, nowait bool) (release func(), err error) {
	for {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
		if err != nil {
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		if err := lockFile(f, nowait); err != nil {
			f.Close()
			if errors.Is(err, ErrLocked) {
				return nil, ErrLocked
			}
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		// The holder may have removed the file (Remove) while this one
		// waited on it: a lock on a file no longer at path locks nothing
		// another process would see, so the file at path is locked anew.
		if stillAt(f, path) {
			return func() { f.Close() }, nil
		}
		f.Close()
	}
}

// Remove deletes the lock file at path, whose lock the caller holds (its
// release not yet called): once nothing is left of what the lock guarded,
// its file goes too. A process that waited for it finds the file gone once
// it has the lock, and locks a new one: two never hold it at once.
func Remove(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove the lock %s: %w", path, err)
	}
	return nil
}

// stillAt reports whether the open file f is the file at path.
func stillAt(f *os.File, path string) bool {
	held, err := f.Stat()
	if err != nil {
		return false
	}
	now, err := os.Stat(path)
	return err == nil && os.SameFile(held, now)
}

// TryLockFile locks the open file f like TryLock: ErrLocked while another
// process (or another open of the file) holds it. Closing f unlocks it.
func TryLockFile(f *os.File) error { return lockFile(f, true) }
