package workers

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"golang.org/x/sys/unix"
)

// descendants are the processes descended from one worker process, found
// where no cgroup can be had. crispify is then a child subreaper
// (PR_SET_CHILD_SUBREAPER): what a worker orphans (`setsid prog &`, a
// daemon's double fork) is reparented to it rather than to init, and the
// worker process carries a mark in its environment that what it starts
// inherits. A scan of /proc finds them by their parent chain up to the
// worker process, by the mark on an orphan crispify adopted, or as seen by
// an earlier scan (pid and start time). What the scans find goes to the
// state file, so that a later crispify ends it after this one was killed.
type descendants struct {
	mark string // KEY=VALUE in the worker process's environment

	mu          sync.Mutex
	leader      int // the worker process: 0 until it started
	leaderStart uint64
	known       map[int]uint64 // pid: start time; every descendant seen, the leader not
}

// markKey names the mark: its value is unique to one worker process.
const markKey = "CRISPIFY_FAMILY"

func newDescendants(known []procID) *descendants {
	var b [8]byte
	rand.Read(b[:])
	d := &descendants{mark: markKey + "=" + strconv.Itoa(os.Getpid()) + "-" + hex.EncodeToString(b[:]), known: map[int]uint64{}}
	for _, p := range known {
		d.known[p.PID] = p.Start
	}
	return d
}

// started says which process leads the family.
func (d *descendants) started(pid int) {
	start, _ := startTime(pid)
	d.mu.Lock()
	d.leader, d.leaderStart = pid, start
	d.mu.Unlock()
}

// list is what the last scan knew, for the state file.
func (d *descendants) list() []procID {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]procID, 0, len(d.known))
	for pid, start := range d.known {
		out = append(out, procID{PID: pid, Start: start})
	}
	return out
}

// procRow is what a scan reads of one process in /proc/<pid>/stat.
type procRow struct {
	ppid   int
	start  uint64
	zombie bool
}

// readProcs reads every process of the machine once: one pass over /proc,
// its stat file alone (prometheus/procfs's lesson: no walk per child).
func readProcs() map[int]procRow {
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	table := make(map[int]procRow, len(dirs))
	for _, dir := range dirs {
		pid, err := strconv.Atoi(filepath.Base(dir))
		if err != nil {
			continue
		}
		f, ok := procStat(pid)
		// Fields 3 (state), 4 (ppid) and 22 (start time) are at 0, 1 and 19.
		if !ok || len(f) < 20 {
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		start, _ := strconv.ParseUint(f[19], 10, 64)
		table[pid] = procRow{ppid: ppid, start: start, zombie: f[0] == "Z" || f[0] == "X"}
	}
	return table
}

// scan finds the family's live descendants in table, remembers them, and
// reaps those it knew that died after crispify adopted them (no one else
// will: their parent is crispify now). changed says the known set changed.
func (d *descendants) scan(table map[int]procRow) (live []int, changed bool) {
	self := os.Getpid()
	d.mu.Lock()
	defer d.mu.Unlock()
	verdict := map[int]bool{}
	var member func(pid, depth int) bool
	member = func(pid, depth int) bool {
		if v, ok := verdict[pid]; ok {
			return v
		}
		row, ok := table[pid]
		v := false
		switch {
		case !ok || pid <= 1 || depth > 64:
		case pid == d.leader:
			v = row.start == d.leaderStart
		case d.known[pid] == row.start && row.start != 0:
			v = true
		case row.ppid == self:
			v = !row.zombie && hasMark(pid, d.mark)
		default:
			v = member(row.ppid, depth+1)
		}
		verdict[pid] = v
		return v
	}
	seen := map[int]bool{}
	for pid, row := range table {
		if pid == d.leader || !member(pid, 0) {
			continue
		}
		seen[pid] = true
		if row.zombie {
			if row.ppid == self && d.known[pid] == row.start {
				var ws unix.WaitStatus
				unix.Wait4(pid, &ws, unix.WNOHANG, nil)
			}
			continue
		}
		if _, ok := d.known[pid]; !ok {
			d.known[pid], changed = row.start, true
		}
		live = append(live, pid)
	}
	for pid, start := range d.known {
		if row, ok := table[pid]; !ok || row.start != start || row.zombie || !seen[pid] {
			delete(d.known, pid)
			changed = true
		}
	}
	return live, changed
}

// hasMark reports whether the process's environment holds mark.
func hasMark(pid int, mark string) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/environ")
	if err != nil {
		return false
	}
	for entry := range bytes.SplitSeq(b, []byte{0}) {
		if string(entry) == mark {
			return true
		}
	}
	return false
}

// becomeSubreaper makes crispify the parent of whatever its descendants
// orphan.
func becomeSubreaper() error {
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return errors.Join(errors.New("become a child subreaper"), err)
	}
	return nil
}
