//go:build unix

package stack

import "syscall"

// askToEnd asks a process to end: SIGTERM, and SIGCONT so that a stopped
// one (Ctrl-Z) gets it.
func askToEnd(pid int) error {
	err := syscall.Kill(pid, syscall.SIGTERM)
	syscall.Kill(pid, syscall.SIGCONT)
	return err
}

func killNow(pid int) error { return syscall.Kill(pid, syscall.SIGKILL) }
