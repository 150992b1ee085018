//go:build unix

package docker

import "golang.org/x/sys/unix"

// freeDisk is the bytes free on dir's disk. Statfs needs only the folders
// above dir to be searchable: /var/lib/docker itself may be root's alone.
func freeDisk(dir string) (int64, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, err
	}
	return int64(st.Bavail) * int64(st.Bsize), nil
}
