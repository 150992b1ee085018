package stack

import "os"

// askToEnd ends a process: Windows has no polite signal for another
// process's console.
func askToEnd(pid int) error { return killNow(pid) }

func killNow(pid int) error {
	p, err := os.FindProcess(pid)
	if err != nil {
		return err
	}
	return p.Kill()
}
