package queues

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// conn is one established TCP connection of this machine, from
// /proc/net/tcp or tcp6, and the socket's inode.
type conn struct {
	Local, Remote netip.AddrPort
	Inode         string
}

// readConns reads the established TCP connections under root (a /proc).
// Machines without it (macOS, Windows) have none: attribution then names
// no worker.
func readConns(root string) []conn {
	var out []conn
	for _, file := range []string{"net/tcp", "net/tcp6"} {
		f, err := os.Open(filepath.Join(root, file))
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		sc.Scan() // the header
		for sc.Scan() {
			// sl local rem st ... inode: fields 1, 2, 3 and 9; st 01 is ESTABLISHED.
			fields := strings.Fields(sc.Text())
			if len(fields) < 10 || fields[3] != "01" {
				continue
			}
			local, ok1 := hexAddr(fields[1])
			remote, ok2 := hexAddr(fields[2])
			if ok1 && ok2 {
				out = append(out, conn{Local: local, Remote: remote, Inode: fields[9]})
			}
		}
		f.Close()
	}
	return out
}

// hexAddr reads /proc/net/tcp's HEXIP:HEXPORT: the address is in the
// kernel's byte order, 32-bit words little-endian on the machines Go runs
// on here (amd64, arm64).
func hexAddr(s string) (netip.AddrPort, bool) {
	ipHex, portHex, ok := strings.Cut(s, ":")
	if !ok {
		return netip.AddrPort{}, false
	}
	raw, err := hex.DecodeString(ipHex)
	if err != nil || (len(raw) != 4 && len(raw) != 16) {
		return netip.AddrPort{}, false
	}
	port, err := strconv.ParseUint(portHex, 16, 16)
	if err != nil {
		return netip.AddrPort{}, false
	}
	for i := 0; i < len(raw); i += 4 {
		binary.BigEndian.PutUint32(raw[i:], binary.LittleEndian.Uint32(raw[i:]))
	}
	addr, _ := netip.AddrFromSlice(raw)
	return netip.AddrPortFrom(addr.Unmap(), uint16(port)), true
}

// holders maps each of the socket inodes to the pid holding it: one pass
// over root/<pid>/fd. A socket of another user's process is not readable
// and stays out.
func holders(root string, inodes map[string]bool) map[string]int {
	out := map[string]int{}
	if len(inodes) == 0 {
		return out
	}
	dirs, _ := filepath.Glob(filepath.Join(root, "[0-9]*"))
	for _, d := range dirs {
		pid, err := strconv.Atoi(filepath.Base(d))
		if err != nil {
			continue
		}
		fds, err := os.ReadDir(filepath.Join(d, "fd"))
		if err != nil {
			continue
		}
		for _, fd := range fds {
			target, err := os.Readlink(filepath.Join(d, "fd", fd.Name()))
			if err != nil || !strings.HasPrefix(target, "socket:[") {
				continue
			}
			if inode := strings.TrimSuffix(target[len("socket:["):], "]"); inodes[inode] {
				out[inode] = pid
			}
		}
	}
	return out
}

// parentAndGroup reads a process's parent and process group from
// root/<pid>/stat.
func parentAndGroup(root string, pid int) (ppid, pgrp int, ok bool) {
	b, err := os.ReadFile(filepath.Join(root, strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0, 0, false
	}
	// The command may hold spaces and parentheses: fields start after the last ')'.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, 0, false
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 3 {
		return 0, 0, false
	}
	ppid, err1 := strconv.Atoi(f[1])
	pgrp, err2 := strconv.Atoi(f[2])
	return ppid, pgrp, err1 == nil && err2 == nil
}

// program is the base name of a process's executable as its argv[0] says
// (root/<pid>/cmdline), what amqp091-go puts in its consumer tags.
func program(root string, pid int) string {
	b, err := os.ReadFile(filepath.Join(root, strconv.Itoa(pid), "cmdline"))
	if err != nil {
		return ""
	}
	argv0, _, _ := strings.Cut(string(b), "\x00")
	return filepath.Base(argv0)
}
