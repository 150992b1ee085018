package ssh

import (
	"os/exec"
	"syscall"
)

// procAttr puts an ssh process in a process group of its own, so that
// the terminal's Ctrl-C reaches crispify (which then stops cleanly, still
// talking to the engine) and not ssh, and ends it when crispify dies.
func procAttr(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}

func terminate(cmd *exec.Cmd) error { return cmd.Process.Signal(syscall.SIGTERM) }
