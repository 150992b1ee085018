package workers

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// setDeathSignal asks the kernel to SIGTERM the child when crispify dies,
// even by SIGKILL: the first of the three layers against orphans. It fires
// when the forking thread ends, which is why startProc forks from a locked
// thread. It reaches the direct child only (sh execs a simple command, so
// usually the worker itself); the watchdog covers the rest of the group.
func setDeathSignal(attr *syscall.SysProcAttr) { attr.Pdeathsig = syscall.SIGTERM }

// procStat returns the fields of /proc/<pid>/stat after the command name:
// index 0 is field 3 (state) of proc(5).
func procStat(pid int) ([]string, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil, false
	}
	s := string(b)
	// The command name is in parentheses and may itself hold ") ".
	i := strings.LastIndexByte(s, ')')
	if i < 0 || i+2 > len(s) {
		return nil, false
	}
	return strings.Fields(s[i+2:]), true
}

// startTime is field 22 of /proc/<pid>/stat: clock ticks since boot. With
// the pid it names one process for good, since no two processes of one boot
// share both.
func startTime(pid int) (uint64, bool) {
	f, ok := procStat(pid)
	if !ok || len(f) < 20 {
		return 0, false
	}
	v, err := strconv.ParseUint(f[22-3], 10, 64)
	return v, err == nil
}

func zombie(pid int) bool {
	f, ok := procStat(pid)
	return ok && len(f) > 0 && (f[0] == "Z" || f[0] == "X")
}

// groupHasMemberSince reports whether a live process of the group started
// at or after start (clock ticks since boot, as startTime).
func groupHasMemberSince(pgid int, start uint64) bool {
	found := false
	eachInGroup(pgid, func(f []string) bool {
		// Field 22, the start time, is index 19.
		if len(f) > 19 {
			if v, err := strconv.ParseUint(f[19], 10, 64); err == nil && v >= start {
				found = true
				return false
			}
		}
		return true
	})
	return found
}

// onlyZombies reports whether every process of the group is a zombie.
// leaderLives reports whether the process pgid lives (is no zombie) and
// still leads its group.
func leaderLives(pgid int) bool {
	f, ok := procStat(pgid)
	return ok && len(f) > 2 && f[2] == strconv.Itoa(pgid) && f[0] != "Z" && f[0] != "X"
}

func onlyZombies(pgid int) bool {
	only := true
	eachInGroup(pgid, func([]string) bool {
		only = false
		return false
	})
	return only
}

// eachInGroup calls fn with the stat fields (as procStat) of every live,
// not zombie, process of the group, until fn returns false.
func eachInGroup(pgid int, fn func(stat []string) bool) {
	dirs, err := filepath.Glob("/proc/[0-9]*")
	if err != nil {
		return
	}
	want := strconv.Itoa(pgid)
	for _, d := range dirs {
		pid, err := strconv.Atoi(filepath.Base(d))
		if err != nil {
			continue
		}
		f, ok := procStat(pid)
		// Field 5 is the process group.
		if ok && len(f) > 2 && f[2] == want && f[0] != "Z" && f[0] != "X" && !fn(f) {
			return
		}
	}
}
