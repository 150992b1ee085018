//go:build !linux && !darwin

package repos

import (
	"io/fs"
	"time"
)

// ctimeInode has nothing to return where the system's stat has no ctime
// and inode in the form git records (Windows): size and mtime decide.
func ctimeInode(fs.FileInfo) (time.Time, uint32, bool) { return time.Time{}, 0, false }
