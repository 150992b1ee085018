//go:build unix

package lockfile

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// lockFile takes an exclusive lock on f, waiting for it unless nowait, when
// a lock held elsewhere is ErrLocked. The kernel drops the lock when the
// process dies, so a crash never leaves it behind.
func lockFile(f *os.File, nowait bool) error {
	how := unix.LOCK_EX
	if nowait {
		how |= unix.LOCK_NB
	}
	for {
		err := unix.Flock(int(f.Fd()), how)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, unix.EINTR):
			continue
		case errors.Is(err, unix.EWOULDBLOCK):
			return ErrLocked
		default:
			return err
		}
	}
}
