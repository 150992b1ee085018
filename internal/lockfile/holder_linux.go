package lockfile

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// Holder returns the pid of the process holding the flock on path, read
// from /proc/locks: a pid file can name a process that reused the pid, the
// kernel's table cannot. ok is false when no one holds it or it cannot be
// told.
func Holder(path string) (pid int, ok bool) {
	fi, err := os.Stat(path)
	if err != nil {
		return 0, false
	}
	st, isUnix := fi.Sys().(*syscall.Stat_t)
	if !isUnix {
		return 0, false
	}
	// Fields: "1: FLOCK ADVISORY WRITE 1234 08:01:5678 0 EOF"; a waiter's
	// line has "->" after the number, and is not the holder.
	want := fmt.Sprintf(":%d", st.Ino)
	f, err := os.Open("/proc/locks")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 || fields[1] != "FLOCK" || !strings.HasSuffix(fields[5], want) {
			continue
		}
		if n, err := strconv.Atoi(fields[4]); err == nil && n > 0 {
			return n, true
		}
	}
	return 0, false
}
