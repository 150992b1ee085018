//go:build unix

package repos

import (
	"os/exec"
	"syscall"
)

// killGroup makes cancelling cmd kill its whole process group: git leaves
// the work to children (index-pack, remote helpers, upload-pack), which would
// otherwise go on writing into a folder being removed.
func killGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}
