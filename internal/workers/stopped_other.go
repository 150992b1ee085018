//go:build !linux

package workers

// ProcessStopped cannot be told here without running ps: always false.
func ProcessStopped(pid int) bool { return false }
