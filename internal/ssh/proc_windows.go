package ssh

import (
	"os/exec"
	"syscall"
)

// procAttr puts an ssh process in a process group of its own, so that
// the console's Ctrl-C reaches crispify and not ssh.
func procAttr(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{CreationFlags: syscall.CREATE_NEW_PROCESS_GROUP}
}

// terminate ends ssh: Windows has no SIGTERM to send.
func terminate(cmd *exec.Cmd) error { return cmd.Process.Kill() }
