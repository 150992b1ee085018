//go:build windows

package stack

import (
	"os/exec"
	"syscall"
)

// detachProcess starts the supervisor without a console and in a process
// group of its own, so that Ctrl-C in the starting console does not reach it.
func detachProcess(cmd *exec.Cmd) {
	const detachedProcess = 0x00000008
	cmd.SysProcAttr = &syscall.SysProcAttr{CreationFlags: syscall.CREATE_NEW_PROCESS_GROUP | detachedProcess}
}
