package docker

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// processHolding names the local process listening on a port, from
// /proc/net and the file descriptors of /proc/<pid>/fd. Processes of other
// users cannot be told without root; then it returns "".
func processHolding(port int, proto string) string {
	inodes := map[string]bool{}
	files := []string{"/proc/net/tcp", "/proc/net/tcp6"}
	if proto == "udp" {
		files = []string{"/proc/net/udp", "/proc/net/udp6"}
	}
	for _, f := range files {
		listeningInodes(f, port, proto == "udp", inodes)
	}
	if len(inodes) == 0 {
		return ""
	}
	pids, _ := filepath.Glob("/proc/[0-9]*")
	for _, dir := range pids {
		fds, err := os.ReadDir(filepath.Join(dir, "fd"))
		if err != nil {
			continue
		}
		for _, fd := range fds {
			target, err := os.Readlink(filepath.Join(dir, "fd", fd.Name()))
			if err != nil || !strings.HasPrefix(target, "socket:[") {
				continue
			}
			if inodes[strings.TrimSuffix(strings.TrimPrefix(target, "socket:["), "]")] {
				comm, _ := os.ReadFile(filepath.Join(dir, "comm"))
				return fmt.Sprintf("process %s (pid %s)", strings.TrimSpace(string(comm)), filepath.Base(dir))
			}
		}
	}
	return ""
}

// listeningInodes adds the socket inodes bound to port in a /proc/net table.
func listeningInodes(file string, port int, udp bool, into map[string]bool) {
	f, err := os.Open(file)
	if err != nil {
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 10 {
			continue
		}
		// local_address is HEXIP:HEXPORT; st 0A is LISTEN (TCP only).
		local, state, inode := fields[1], fields[3], fields[9]
		i := strings.LastIndexByte(local, ':')
		p, err := strconv.ParseUint(local[i+1:], 16, 16)
		if err != nil || int(p) != port || (!udp && state != "0A") {
			continue
		}
		into[inode] = true
	}
}
