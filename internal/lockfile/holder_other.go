//go:build !linux

package lockfile

// Holder cannot tell who holds a lock here: ok is always false.
func Holder(path string) (pid int, ok bool) { return 0, false }
