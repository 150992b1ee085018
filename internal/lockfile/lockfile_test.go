package lockfile_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/crispify/crispify/internal/lockfile"
)

func TestTryLockRefusesWhileHeldAndAfterRelease(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a", "b.lock") // the folder is made too
	release, err := lockfile.TryLock(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lockfile.TryLock(path); !errors.Is(err, lockfile.ErrLocked) {
		t.Fatalf("second TryLock: %v, want ErrLocked", err)
	}
	release()
	again, err := lockfile.TryLock(path)
	if err != nil {
		t.Fatalf("TryLock after release: %v", err)
	}
	again()
}

func TestWaitSaysItIsWaitingOnceAndGetsTheLockWhenFreed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	release, err := lockfile.TryLock(path)
	if err != nil {
		t.Fatal(err)
	}
	time.AfterFunc(200*time.Millisecond, release)
	busy := 0
	got, err := lockfile.Wait(context.Background(), path, func() { busy++ })
	if err != nil {
		t.Fatal(err)
	}
	got()
	if busy != 1 {
		t.Errorf("busy called %d times, want 1", busy)
	}
}

func TestWaitEndsWithItsContext(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	release, err := lockfile.TryLock(path)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	if _, err := lockfile.Wait(ctx, path, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait: %v, want the context's deadline", err)
	}
}

func TestHolderNamesTheProcessHoldingTheLock(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("only Linux tells a lock's holder")
	}
	path := filepath.Join(t.TempDir(), "held.lock")
	release, err := lockfile.TryLock(path)
	if err != nil {
		t.Fatal(err)
	}
	if pid, ok := lockfile.Holder(path); !ok || pid != os.Getpid() {
		t.Errorf("Holder = %d, %v; want this process, %d", pid, ok, os.Getpid())
	}
	release()
	if pid, ok := lockfile.Holder(path); ok {
		t.Errorf("Holder of a free lock = %d", pid)
	}
}
