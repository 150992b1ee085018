//go:build unix

package lockfile_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/crispify/crispify/internal/lockfile"
)

// A holder that removes its lock file before letting go never lets two
// hold the lock: one that waited on the removed file locks the new one,
// and a third then finds it held.
func TestRemovedLockFileIsNeverHeldTwice(t *testing.T) {
	path := filepath.Join(t.TempDir(), "locks", "crisp.lock")
	release, err := lockfile.TryLock(path)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan func(), 1)
	go func() {
		r, err := lockfile.Lock(path) // waits on the file about to go
		if err != nil {
			t.Error(err)
			close(got)
			return
		}
		got <- r
	}()
	time.Sleep(100 * time.Millisecond) // the waiter is blocked on the old file
	if err := lockfile.Remove(path); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the lock file is still there: %v", err)
	}
	release()
	var second func()
	select {
	case second = <-got:
	case <-time.After(5 * time.Second):
		t.Fatal("the waiter never got the lock")
	}
	if second == nil {
		return
	}
	defer second()
	if _, err := os.Stat(path); err != nil {
		t.Errorf("the waiter holds no file at %s: %v", path, err)
	}
	if r, err := lockfile.TryLock(path); !errors.Is(err, lockfile.ErrLocked) {
		if r != nil {
			r()
		}
		t.Errorf("a third TryLock: %v, want ErrLocked: two would hold the lock", err)
	}
}
