package repos

import (
	"io/fs"
	"syscall"
	"time"
)

// ctimeInode returns the stat data git records beyond size and mtime.
func ctimeInode(fi fs.FileInfo) (time.Time, uint32, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return time.Time{}, 0, false
	}
	return time.Unix(st.Ctim.Sec, st.Ctim.Nsec), uint32(st.Ino), true
}
