package load

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// userHZ is the clock tick of /proc's times: USER_HZ, 100 on every Linux
// the kernel's ABI allows (sysconf(_SC_CLK_TCK) says the same).
const userHZ = 100

// Sampler reads the figures of process groups from /proc. One is kept for
// the life of a stack: each sample's CPU is the ticks since the one before.
// It is not safe for concurrent use.
type Sampler struct {
	root     string // /proc, or a fixture's tree
	pageSize uint64
	now      clock

	prev   map[proc]uint64 // ticks of each process at the last sample
	prevAt time.Time
	uptime uint64 // clock ticks since boot at the last sample
	buf    []byte
}

// proc names one process for good: a pid reused by another process has
// another start time.
type proc struct {
	pid   int
	start uint64
}

// New returns a Sampler of this machine's processes.
func New() *Sampler { return newSampler("/proc", uint64(os.Getpagesize()), time.Now) }

func newSampler(root string, pageSize uint64, now clock) *Sampler {
	return &Sampler{root: root, pageSize: pageSize, now: now, buf: make([]byte, 1024)}
}

// Supported says the Sampler knows figures here.
func Supported() bool { return true }

// Sample reads every process once and returns the figures of each item of
// groups: the sum over every live process of its groups. An item none of
// whose processes lives is left out. CPU is known (HasCPU) once an earlier
// sample saw the processes, or saw the moment before they started.
func (s *Sampler) Sample(groups Groups) map[string]Figures {
	at := s.now()
	byGroup := make(map[int]string, len(groups))
	for name, pgids := range groups {
		for _, g := range pgids {
			if g > 1 {
				byGroup[g] = name
			}
		}
	}
	uptime, uptimeOK := s.readUptime()
	elapsed := at.Sub(s.prevAt).Seconds()
	first := s.prev == nil || elapsed <= 0
	next := make(map[proc]uint64, len(s.prev))
	out := map[string]Figures{}
	s.each(func(st stat) {
		name, ok := byGroup[st.pgrp]
		if !ok || st.zombie {
			return
		}
		p := proc{st.pid, st.start}
		next[p] = st.ticks
		f := out[name]
		f.Memory += st.pages * s.pageSize
		if !first {
			before, seen := s.prev[p]
			switch {
			case seen && st.ticks >= before:
				f.CPU += float64(st.ticks-before) / userHZ / elapsed * 100
				f.HasCPU = true
			case !seen && uptimeOK && st.start >= s.uptime:
				// Started since the last sample: every tick it has is new.
				f.CPU += float64(st.ticks) / userHZ / elapsed * 100
				f.HasCPU = true
			}
		}
		out[name] = f
	})
	s.prev, s.prevAt, s.uptime = next, at, uptime
	return out
}

// each calls fn with the stat of every process of /proc, in no order.
func (s *Sampler) each(fn func(stat)) {
	dir, err := os.Open(s.root)
	if err != nil {
		return
	}
	defer dir.Close()
	names, _ := dir.Readdirnames(-1) // unsorted: a sort is not needed
	path := make([]byte, 0, len(s.root)+32)
	for _, n := range names {
		if n == "" || n[0] < '0' || n[0] > '9' {
			continue
		}
		path = append(append(append(path[:0], s.root...), '/'), n...)
		b, ok := s.read(string(append(path, "/stat"...)))
		if !ok {
			continue // it ended since the listing
		}
		if st, err := parseStat(b); err == nil {
			fn(st)
		}
	}
}

// read reads a small file into the Sampler's buffer, grown as needed,
// with plain system calls: os.Open would also try to register each file
// with the poller, a wasted call per process on every tick. A read that
// leaves room in the buffer has had all of a /proc file, whose content is
// made whole at the first read.
func (s *Sampler) read(path string) ([]byte, bool) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, false
	}
	defer unix.Close(fd)
	n := 0
	for {
		m, err := unix.Read(fd, s.buf[n:])
		if err == unix.EINTR {
			continue
		}
		if err != nil || m <= 0 {
			break
		}
		n += m
		if n < len(s.buf) {
			break
		}
		s.buf = append(s.buf, make([]byte, len(s.buf))...)
	}
	return s.buf[:n], n > 0
}

// readUptime is /proc/uptime's first figure in clock ticks: where a new
// process's start time is compared to tell it started since the last sample.
func (s *Sampler) readUptime() (uint64, bool) {
	b, ok := s.read(filepath.Join(s.root, "uptime"))
	if !ok {
		return 0, false
	}
	i := bytes.IndexByte(b, ' ')
	if i < 0 {
		return 0, false
	}
	secs, err := strconv.ParseFloat(string(b[:i]), 64)
	if err != nil {
		return 0, false
	}
	return uint64(secs * userHZ), true
}
