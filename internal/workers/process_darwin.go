package workers

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// setDeathSignal does nothing: macOS has no parent-death signal; the
// watchdog and the state file cover it.
func setDeathSignal(*syscall.SysProcAttr) {}

// startTime is the process's start in microseconds since the epoch.
func startTime(pid int) (uint64, bool) {
	k, err := unix.SysctlKinfoProc("kern.proc.pid", pid)
	if err != nil || k.Proc.P_pid != int32(pid) {
		return 0, false
	}
	t := k.Proc.P_starttime
	return uint64(t.Sec)*1e6 + uint64(t.Usec), true
}

func zombie(pid int) bool {
	k, err := unix.SysctlKinfoProc("kern.proc.pid", pid)
	return err == nil && k.Proc.P_stat == 5 // SZOMB
}

// leaderLives says nothing here: onlyZombies answers as cheaply (and, as
// kill did, that the group is not gone).
func leaderLives(int) bool { return false }

// onlyZombies: launchd reaps orphans at once, so a group that answers
// kill(-pgid, 0) has a live member.
func onlyZombies(int) bool { return false }

// groupHasMemberSince reports whether a live process of the group started
// at or after start (microseconds since the epoch, as startTime).
func groupHasMemberSince(pgid int, start uint64) bool {
	procs, err := unix.SysctlKinfoProcSlice("kern.proc.pgrp", pgid)
	if err != nil {
		return false
	}
	for _, k := range procs {
		t := k.Proc.P_starttime
		if k.Proc.P_stat != 5 && uint64(t.Sec)*1e6+uint64(t.Usec) >= start {
			return true
		}
	}
	return false
}
