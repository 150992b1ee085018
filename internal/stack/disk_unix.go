//go:build unix

package stack

import "golang.org/x/sys/unix"

// freeDisk returns the bytes free to an unprivileged user on dir's disk.
func freeDisk(dir string) (uint64, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, err
	}
	return uint64(st.Bavail) * uint64(st.Bsize), nil
}
