package ssh

import (
	"os/exec"
	"syscall"

	"golang.org/x/sys/windows"
)

// procAttr puts an ssh process in a process group of its own, so that
// the console's Ctrl-C reaches crispify and not ssh.
func procAttr(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{CreationFlags: syscall.CREATE_NEW_PROCESS_GROUP}
}

// terminate ends ssh: Windows has no SIGTERM to send.
func terminate(cmd *exec.Cmd) error { return cmd.Process.Kill() }

func processRuns(pid int) bool {
	if pid <= 0 {
		return false
	}
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(pid))
	if err != nil {
		return false
	}
	defer windows.CloseHandle(h)
	var code uint32
	if err := windows.GetExitCodeProcess(h, &code); err != nil {
		return false
	}
	return code == 259 // STILL_ACTIVE
}
