//go:build unix

package stack

import (
	"os/exec"
	"syscall"
)

// detachProcess puts the supervisor in a session of its own: no terminal,
// no Ctrl-C or hang-up from the one that started it.
func detachProcess(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
}
