package lockfile

import (
	"errors"
	"os"

	"golang.org/x/sys/windows"
)

// lockFile takes an exclusive lock on f with LockFileEx, waiting for it
// unless nowait, when a lock held elsewhere is ErrLocked. Windows drops the
// lock when the process's handles close, at exit too.
func lockFile(f *os.File, nowait bool) error {
	flags := uint32(windows.LOCKFILE_EXCLUSIVE_LOCK)
	if nowait {
		flags |= windows.LOCKFILE_FAIL_IMMEDIATELY
	}
	err := windows.LockFileEx(windows.Handle(f.Fd()), flags, 0, 1, 0, new(windows.Overlapped))
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) {
		return ErrLocked
	}
	return err
}
