package workers

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"

	"golang.org/x/sys/windows"
)

// Windows has no process groups or signals: a worker is its cmd.exe and
// that process's tree. Stopping kills the tree at once with taskkill /T /F;
// there is no gentle first step a console program would see.

// shellCommand runs command with cmd.exe, passed as written: /S makes cmd
// strip only the outer quotes we add.
func shellCommand(command string) *exec.Cmd {
	shell := os.Getenv("COMSPEC")
	if shell == "" {
		shell = "cmd.exe"
	}
	cmd := exec.Command(shell)
	cmd.SysProcAttr = &syscall.SysProcAttr{CmdLine: fmt.Sprintf(`cmd /S /C "%s"`, command)}
	return cmd
}

// ownGroup keeps the console's Ctrl-C away from the worker: crispify stops
// it itself.
func ownGroup(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.CreationFlags |= syscall.CREATE_NEW_PROCESS_GROUP
}

func detachGroup(cmd *exec.Cmd) { ownGroup(cmd) }

func terminateGroup(pid int) error { return killGroup(pid) }

// killGroup kills the process and every process it started.
func killGroup(pid int) error {
	if err := exec.Command("taskkill", "/T", "/F", "/PID", strconv.Itoa(pid)).Run(); err == nil {
		return nil
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return nil // already gone
	}
	if err := p.Kill(); err != nil && processAlive(pid) {
		return fmt.Errorf("kill process %d: %w", pid, err)
	}
	return nil
}

func groupGone(pid int) bool { return !processAlive(pid) }

func processAlive(pid int) bool {
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

// startTime is the process's creation time, in 100ns since 1601.
func startTime(pid int) (uint64, bool) {
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(pid))
	if err != nil {
		return 0, false
	}
	defer windows.CloseHandle(h)
	var created, exited, kernel, user windows.Filetime
	if err := windows.GetProcessTimes(h, &created, &exited, &kernel, &user); err != nil {
		return 0, false
	}
	return uint64(created.HighDateTime)<<32 | uint64(created.LowDateTime), true
}

func exitCode(ps *os.ProcessState) int { return ps.ExitCode() }

// describeExit says how a process ended: short after the word "exited"
// ("code 3"), long on its own.
func describeExit(ps *os.ProcessState) (short, long string) {
	short = fmt.Sprintf("code %d", ps.ExitCode())
	return short, "exited with " + short
}

// ignoreHangup: a process started in a new process group gets no Ctrl-C.
func ignoreHangup() {}

// groupHasMemberSince: a job of processes has no leader to lose on windows;
// the watchdog ends the tree.
func groupHasMemberSince(int, uint64) bool { return false }
