package workers

import (
	"errors"
	"os/exec"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// tracker makes the families of a Supervisor's worker processes: a cgroup
// each where the system gives one (see findCgroupHome), else descendants
// found by scans, crispify being their child subreaper.
type tracker struct {
	cgroups cgroupHome // dir "" when cgroups cannot be had

	mu      sync.Mutex
	noCg    bool             // a start into a cgroup failed: none from now on
	scanned map[*family]bool // descendants-tracked families, scanned every scanEvery
	ticking bool
}

// scanEvery is how often the families tracked without a cgroup are looked
// for new descendants: one pass over /proc for all of them.
const scanEvery = time.Second

func newTracker() *tracker {
	for _, v := range []cgroupVersion{cgroupV2, cgroupV1} {
		if home, ok := findCgroupHome(v); ok {
			return &tracker{cgroups: home}
		}
	}
	return newSubreaperTracker()
}

func newSubreaperTracker() *tracker {
	becomeSubreaper() // without it, the scans find orphans by the mark only while they are ours
	return &tracker{}
}

// family is every process descended from one worker process, wherever it
// went: its process group, and on Linux what left the group too, in the
// process's cgroup or among the descendants a scan found.
type family struct {
	pgid int // the worker process's group, its pid; 0 before it started
	cg   *cgroup
	desc *descendants
	// onScan, for a family of a live worker tracked by descendants, is
	// told of each change the periodic scan finds, for the state file.
	onScan func()
	t      *tracker
}

// open makes the family of a process of the worker of name, before the
// process starts.
func (t *tracker) open(name string) *family {
	f := &family{t: t}
	t.mu.Lock()
	useCg := t.cgroups.dir != "" && !t.noCg
	t.mu.Unlock()
	if useCg {
		if cg, err := t.cgroups.make(name); err == nil {
			f.cg = cg
			return f
		}
		becomeSubreaper() // this one goes without
	}
	f.desc = newDescendants(nil)
	return f
}

// familyOf is the family a state entry or the watchdog names: its group
// (0: none), its cgroup when it still is one, and the descendants recorded.
func familyOf(pgid int, cgroupDir string, known []procID) *family {
	f := &family{pgid: pgid}
	if cg := openCgroup(cgroupDir); cg != nil {
		f.cg = cg
	}
	if len(known) > 0 {
		f.desc = newDescendants(known)
	}
	return f
}

// enter readies cmd to start in the family: in its cgroup, or with the
// mark in its environment. leave, after the start, says false when the
// forking thread could not leave the cgroup (see cgroup.enter).
func (f *family) enter(cmd *exec.Cmd) (leave func() bool, err error) {
	if f == nil {
		return func() bool { return true }, nil
	}
	if f.cg != nil {
		return f.cg.enter(cmd.SysProcAttr)
	}
	if f.desc != nil {
		cmd.Env = append(cmd.Env, f.desc.mark)
	}
	return func() bool { return true }, nil
}

// dropCgroup gives up the family's cgroup after a start into it failed:
// its descendants are tracked instead. It reports whether there was one.
func (f *family) dropCgroup() bool {
	if f.cg == nil {
		return false
	}
	f.cg.remove()
	f.cg = nil
	becomeSubreaper()
	f.desc = newDescendants(nil)
	return true
}

// cgroupsRefused says a start without a cgroup worked where one into it
// failed: the tracker makes no more cgroups.
func (f *family) cgroupsRefused() {
	if f.t == nil {
		return
	}
	f.t.mu.Lock()
	f.t.noCg = true
	f.t.mu.Unlock()
}

// started says the family's process started with pid.
func (f *family) started(pid int) {
	f.pgid = pid
	if f.desc != nil {
		f.desc.started(pid)
	}
}

// follow scans a family tracked by descendants every scanEvery, until it
// is released, and calls changed when what it found changed: the state
// file records it.
func (f *family) follow(changed func()) {
	if f.desc == nil {
		return
	}
	f.onScan = changed
	f.t.watch(f)
}

// cgroupDir and known are what the state file records of the family.
func (f *family) cgroupDir() string {
	if f == nil || f.cg == nil {
		return ""
	}
	return f.cg.dir
}

func (f *family) known() []procID {
	if f == nil || f.desc == nil {
		return nil
	}
	return f.desc.list()
}

// others are the family's live processes outside its group's leader:
// every member of its cgroup, or its descendants found now.
func (f *family) others() []int {
	switch {
	case f.cg != nil:
		return f.cg.members()
	case f.desc != nil:
		live, changed := f.desc.scan(readProcs())
		if changed && f.onScan != nil {
			f.onScan()
		}
		return live
	}
	return nil
}

// signal sends sig to the group and to every other process of the family.
func (f *family) signal(sig unix.Signal) error {
	var errs []error
	if f.pgid > 1 {
		group := terminateGroup
		if sig == unix.SIGKILL {
			group = killGroup
		}
		errs = append(errs, group(f.pgid))
	}
	if sig == unix.SIGKILL && f.cg != nil {
		errs = append(errs, f.cg.kill())
	} else {
		for _, pid := range f.others() {
			if err := unix.Kill(pid, sig); err != nil && !errors.Is(err, unix.ESRCH) {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

func (f *family) terminate() error { return f.signal(unix.SIGTERM) }
func (f *family) kill() error      { return f.signal(unix.SIGKILL) }

// gone reports whether no live process of the family is left. The group
// is asked first: while its leader lives that answers at once, with no
// pass over /proc.
func (f *family) gone() bool {
	if f.pgid > 1 && !groupGone(f.pgid) {
		return false
	}
	switch {
	case f.cg != nil:
		return f.cg.empty()
	case f.desc != nil:
		return len(f.others()) == 0
	}
	return true
}

// alive lists the family's live processes, for an error saying what could
// not be ended: its leader and the others (the rest of its group is among
// them, being its descendants).
func (f *family) alive() []int {
	var out []int
	if f.pgid > 1 && processAlive(f.pgid) {
		out = append(out, f.pgid)
	}
	for _, pid := range f.others() {
		if pid != f.pgid {
			out = append(out, pid)
		}
	}
	return out
}

// release lets go of what tracked the family once it is gone: its cgroup
// (the kernel refuses while a process is in it) and its scans.
func (f *family) release() error {
	if f == nil {
		return nil
	}
	if f.desc != nil {
		f.t.forget(f)
	}
	if f.cg == nil {
		return nil
	}
	var err error
	for range 20 { // the last exits may take a moment to leave the cgroup
		if err = f.cg.remove(); err == nil {
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	return err
}

// watch and forget add a family to the periodic scans, and take it off.
func (t *tracker) watch(f *family) {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.scanned == nil {
		t.scanned = map[*family]bool{}
	}
	t.scanned[f] = true
	if !t.ticking {
		t.ticking = true
		go t.scanLoop()
	}
}

func (t *tracker) forget(f *family) {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.scanned, f)
}

// scanLoop scans every family tracked by descendants, one pass over /proc
// for all, until none is left.
func (t *tracker) scanLoop() {
	for {
		time.Sleep(scanEvery)
		t.mu.Lock()
		if len(t.scanned) == 0 {
			t.ticking = false
			t.mu.Unlock()
			return
		}
		fams := make([]*family, 0, len(t.scanned))
		for f := range t.scanned {
			fams = append(fams, f)
		}
		t.mu.Unlock()
		table := readProcs()
		for _, f := range fams {
			if _, changed := f.desc.scan(table); changed && f.onScan != nil {
				f.onScan()
			}
		}
	}
}
