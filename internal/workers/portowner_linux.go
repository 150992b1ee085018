package workers

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Who listens on a port, on Linux: /proc/net/tcp{,6} give the listening
// sockets' inodes, /proc/<pid>/fd which process holds them.

// answeredBy reports whether what listens on port is among the processes
// of the leaders' groups and their descendants (the worker's own); foreign
// names the other process that holds it, when one can be read. A holder
// that cannot be told (another user's process) lets the answer count, as
// does a port with no listening socket in this network namespace.
func answeredBy(port int, leaders []int) (ok bool, foreign string) {
	inodes := listenInodes(port)
	if len(inodes) == 0 {
		return true, ""
	}
	own := ownProcesses(leaders)
	for pid := range own {
		if holds(pid, inodes) {
			return true, ""
		}
	}
	if name := holderOf(inodes, own); name != "" {
		return false, name
	}
	return true, ""
}

// portHolder names the process listening on port, "" when none can be
// told.
func portHolder(port int) string {
	inodes := listenInodes(port)
	if len(inodes) == 0 {
		return ""
	}
	return holderOf(inodes, nil)
}

// listenInodes are the inodes of the TCP sockets listening on port.
func listenInodes(port int) map[string]bool {
	inodes := map[string]bool{}
	for _, file := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		f, err := os.Open(file)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		sc.Scan() // the header
		for sc.Scan() {
			// local_address is HEXIP:HEXPORT; st 0A is LISTEN.
			fields := strings.Fields(sc.Text())
			if len(fields) < 10 || fields[3] != "0A" {
				continue
			}
			local := fields[1]
			p, err := strconv.ParseUint(local[strings.LastIndexByte(local, ':')+1:], 16, 16)
			if err == nil && int(p) == port {
				inodes[fields[9]] = true
			}
		}
		f.Close()
	}
	return inodes
}

// holds reports whether pid has a file descriptor on one of the sockets.
func holds(pid int, inodes map[string]bool) bool {
	dir := filepath.Join("/proc", strconv.Itoa(pid), "fd")
	fds, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, fd := range fds {
		target, err := os.Readlink(filepath.Join(dir, fd.Name()))
		if err == nil && strings.HasPrefix(target, "socket:[") && inodes[strings.TrimSuffix(target[len("socket:["):], "]")] {
			return true
		}
	}
	return false
}

// holderOf names a process, not in skip, holding one of the sockets:
// "process NAME (pid N)"; "" when none can be read.
func holderOf(inodes map[string]bool, skip map[int]bool) string {
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		pid, err := strconv.Atoi(filepath.Base(d))
		if err != nil || skip[pid] || !holds(pid, inodes) {
			continue
		}
		comm, _ := os.ReadFile(filepath.Join(d, "comm"))
		return fmt.Sprintf("process %s (pid %d)", strings.TrimSpace(string(comm)), pid)
	}
	return ""
}

// ownProcesses is every live process in the groups the leaders lead, and
// every descendant of a leader, in a group of its own or not (a setsid).
func ownProcesses(leaders []int) map[int]bool {
	family := map[int]bool{}
	if len(leaders) == 0 {
		return family
	}
	isLeader := map[string]bool{}
	for _, l := range leaders {
		isLeader[strconv.Itoa(l)] = true
		family[l] = true
	}
	children := map[int][]int{}
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		pid, err := strconv.Atoi(filepath.Base(d))
		if err != nil {
			continue
		}
		f, ok := procStat(pid)
		// Fields 4 and 5: the parent and the process group.
		if !ok || len(f) < 3 || f[0] == "Z" {
			continue
		}
		if isLeader[f[2]] {
			family[pid] = true
		}
		if ppid, err := strconv.Atoi(f[1]); err == nil {
			children[ppid] = append(children[ppid], pid)
		}
	}
	// The descendants of every member: a setsid child leaves the group,
	// not the family.
	var queue []int
	for pid := range family {
		queue = append(queue, pid)
	}
	seen := map[int]bool{}
	for len(queue) > 0 {
		pid := queue[0]
		queue = queue[1:]
		if seen[pid] {
			continue
		}
		seen[pid] = true
		family[pid] = true
		queue = append(queue, children[pid]...)
	}
	return family
}
