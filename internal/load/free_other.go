//go:build !linux

package load

// Available is not known off Linux.
func Available() (uint64, bool) { return 0, false }
