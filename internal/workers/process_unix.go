//go:build unix

package workers

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"
)

// shellCommand runs command the way a developer's terminal would.
func shellCommand(command string) *exec.Cmd {
	return exec.Command("/bin/sh", "-c", command)
}

// ownGroup puts the process in a new process group of its own, whose id is
// its pid, so that a stop reaches whatever it forks and a Ctrl-C at the
// terminal (sent to crispify's group) does not.
func ownGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	setDeathSignal(cmd.SysProcAttr)
}

// detachGroup is ownGroup without the parent-death signal: for the
// watchdog, which must outlive crispify.
func detachGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// terminateGroup asks every process of the group to end.
func terminateGroup(pgid int) error { return signalGroup(pgid, unix.SIGTERM) }

// killGroup ends every process of the group.
func killGroup(pgid int) error { return signalGroup(pgid, unix.SIGKILL) }

func signalGroup(pgid int, sig unix.Signal) error {
	if pgid <= 1 {
		return fmt.Errorf("signal process group %d: refusing a group id below 2", pgid)
	}
	if err := unix.Kill(-pgid, sig); err != nil && !errors.Is(err, unix.ESRCH) {
		return fmt.Errorf("signal process group %d with %v: %w", pgid, sig, err)
	}
	return nil
}

// groupGone reports whether no live process is left in the group. Zombies
// do not count: an orphan's zombie waits on whoever adopted it, and some
// container init processes never reap.
func groupGone(pgid int) bool {
	err := unix.Kill(-pgid, 0)
	if errors.Is(err, unix.ESRCH) {
		return true
	}
	// The leader alive answers at once; only without it are the group's
	// members looked for one by one (every process of the machine, on Linux).
	if leaderLives(pgid) {
		return false
	}
	return onlyZombies(pgid)
}

// processAlive reports whether a process with this pid runs (not a zombie).
func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := unix.Kill(pid, 0)
	if err != nil && !errors.Is(err, unix.EPERM) {
		return false
	}
	return !zombie(pid)
}

// exitCode is the code a shell would report: the process's own, or 128
// plus the signal that killed it.
func exitCode(ps *os.ProcessState) int {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ps.ExitCode()
}

// describeExit says how a process ended: short after the word "exited"
// ("code 3", "signal 9 (killed)"), long on its own.
func describeExit(ps *os.ProcessState) (short, long string) {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		short = fmt.Sprintf("signal %d (%v)", int(ws.Signal()), ws.Signal())
		return short, "was killed by " + short
	}
	short = fmt.Sprintf("code %d", ps.ExitCode())
	return short, "exited with " + short
}

// ignoreHangup keeps the watchdog alive when the terminal closes or the user
// presses Ctrl-C: it must outlive crispify to clean up after it.
func ignoreHangup() { signal.Ignore(unix.SIGHUP, unix.SIGINT) }
