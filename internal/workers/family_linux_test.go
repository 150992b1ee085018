package workers

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/manifest"
)

// escapingRun is a run: that leaves its process group the way daemons do:
// `setsid prog &`, prog printed as escaped=PID, then the worker itself.
func escapingRun(tag string, worker ...string) string {
	return "setsid sleep " + tag + " & echo escaped=$!; exec " + workerCmd(worker...)
}

// escapedPIDs are the pids the worker's lines named as escaped=PID, in order.
func escapedPIDs(rec *recorder, name string) []int {
	var out []int
	for _, e := range rec.all() {
		if e.Name == name && strings.HasPrefix(e.Line, "escaped=") {
			if pid, err := strconv.Atoi(strings.TrimPrefix(e.Line, "escaped=")); err == nil {
				out = append(out, pid)
			}
		}
	}
	return out
}

// mustHaveLeftTheGroup waits until pid runs in a session of its own (setsid
// has run), and fails the test unless it does: a stop that ends it then
// proves something.
func mustHaveLeftTheGroup(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		f, ok := procStat(pid)
		// Field 6, the session, is index 3.
		if ok && len(f) > 3 && f[3] == strconv.Itoa(pid) && processAlive(pid) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("process %d never ran alive in a session of its own: stat %v", pid, f)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// trackerNames are the ways a worker's descendants can be tracked here.
var trackerNames = []string{"cgroup v2", "cgroup v1", "subreaper"}

// forcedTracker is the tracker of that name, nil when this machine cannot
// have it.
func forcedTracker(name string) *tracker {
	switch name {
	case "cgroup v2", "cgroup v1":
		v := cgroupV2
		if name == "cgroup v1" {
			v = cgroupV1
		}
		if home, ok := findCgroupHome(v); ok {
			return &tracker{cgroups: home}
		}
		return nil
	case "subreaper":
		return newSubreaperTracker()
	}
	return nil
}

// trackers are the ways this machine can track a worker's descendants, by
// name, each forced in turn: CI runs as root on Linux with cgroup v1 and
// v2 mounted, so none is skipped there.
func trackers(t *testing.T) map[string]*tracker {
	t.Helper()
	out := map[string]*tracker{}
	for _, name := range trackerNames {
		if tr := forcedTracker(name); tr != nil {
			out[name] = tr
		} else {
			t.Logf("no %s here", name)
		}
	}
	if os.Getenv("CI") != "" && len(out) < len(trackerNames) {
		t.Fatalf("CI runs as root with cgroup v1 and v2: only %d ways to track found", len(out))
	}
	return out
}

// A process that left the worker's group with setsid is ended by the
// worker's stop, however its descendants are tracked.
func TestStopEndsAGrandchildThatLeftTheGroup(t *testing.T) {
	for name, tr := range trackers(t) {
		t.Run(name, func(t *testing.T) {
			s, rec := newSupervisor(t)
			s.tracker = tr
			spec := Spec{Name: "daemon", Command: escapingRun("6071", "-print", "up"), Ready: readyLog("^up$")}
			if err := s.Start(ctxFor(t, 30*time.Second), spec); err != nil {
				t.Fatal(err)
			}
			escaped := escapedPIDs(rec, "daemon")
			if len(escaped) != 1 {
				t.Fatalf("escaped pids %v, want one:\n%s", escaped, dump(rec.all()))
			}
			mustHaveLeftTheGroup(t, escaped[0])
			began := time.Now()
			if err := s.Stop(ctxFor(t, 30*time.Second), "daemon"); err != nil {
				t.Fatal(err)
			}
			t.Logf("stopped in %v", time.Since(began))
			if processAlive(escaped[0]) {
				t.Errorf("process %d, which left the worker's group, runs after the worker's stop", escaped[0])
			}
		})
	}
}

// A worker restarted by restart: always leaves nothing of its earlier runs:
// each exit ends what the run started, setsid or not.
func TestRestartAlwaysLeavesNoGrandchildBehind(t *testing.T) {
	s, rec := newSupervisor(t)
	spec := Spec{Name: "looper", Restart: manifest.RestartAlways,
		Command: escapingRun("6072", "-exit-after", "700ms", "-exit-code", "0")}
	if err := s.Start(ctxFor(t, 30*time.Second), spec); err != nil {
		t.Fatal(err)
	}
	// Three restarts: 1 s, 2 s, then 4 s of backoff.
	rec.waitFor(t, 20*time.Second, "a third restart", func(e event.Event) bool {
		return e.Name == "looper" && !e.IsOutput() && e.Restarts >= 3
	})
	deadline := time.Now().Add(10 * time.Second)
	for len(escapedPIDs(rec, "looper")) < 4 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	escaped := escapedPIDs(rec, "looper")
	if len(escaped) < 4 {
		t.Fatalf("escaped pids %v, want one a run, four runs:\n%s", escaped, dump(rec.all()))
	}
	last := escaped[len(escaped)-1]
	mustHaveLeftTheGroup(t, last)
	for _, pid := range escaped[:len(escaped)-1] {
		if processAlive(pid) {
			t.Errorf("process %d of an earlier run still runs after its worker restarted", pid)
		}
	}
	if err := s.Stop(ctxFor(t, 30*time.Second), "looper"); err != nil {
		t.Fatal(err)
	}
	if processAlive(last) {
		t.Errorf("process %d of the last run runs after the worker's stop", last)
	}
}

// helperWithEscapee starts the test binary as a crispify (runHelper) whose
// worker leaves its group with setsid, tracked the named way; it returns
// the helper, its worker's pid and the escaped process's.
func helperWithEscapee(t *testing.T, dir, trackerName, tag string) (helper *exec.Cmd, pid, escaped int) {
	t.Helper()
	helper = exec.Command(os.Args[0], "-test.run=^$")
	helper.Env = append(os.Environ(), helperEnv+"=1", helperStateEnv+"="+dir, helperWorkerEnv+"="+workerBin,
		helperRunEnv+"="+escapingRun(tag, "-print", "up"), helperTrackerEnv+"="+trackerName)
	helper.Stderr = os.Stderr
	out, err := helper.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := helper.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { helper.Process.Kill(); helper.Wait() })
	sc := bufio.NewScanner(out)
	for (pid == 0 || escaped == 0) && sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) == 2 {
			n, _ := strconv.Atoi(f[1])
			switch f[0] {
			case "pid":
				pid = n
			case "escaped":
				escaped = n
			}
		}
	}
	if pid == 0 || escaped == 0 {
		t.Fatalf("the helper did not report its worker (pid %d, escaped %d)", pid, escaped)
	}
	t.Cleanup(func() { syscall.Kill(escaped, syscall.SIGKILL); killGroup(pid) })
	mustHaveLeftTheGroup(t, escaped)
	return helper, pid, escaped
}

// waitGone waits up to d for every pid to be gone, and returns those left.
func waitGone(pids []int, d time.Duration) []int {
	deadline := time.Now().Add(d)
	for {
		var left []int
		for _, p := range pids {
			if processAlive(p) {
				left = append(left, p)
			}
		}
		if len(left) == 0 || time.Now().After(deadline) {
			return left
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A crispify killed by SIGKILL leaves nothing of its worker's family, even
// what left the group with setsid: its watchdog ends it; and with the
// watchdog killed too, the next crispify (EndLeftovers, as a boot or
// decrispify runs it) ends it from the state file.
func TestWhatLeftTheGroupIsEndedAfterCrispifyIsKilled(t *testing.T) {
	for _, name := range trackerNames {
		if forcedTracker(name) == nil {
			t.Logf("no %s here", name)
			continue
		}
		for _, watchdogToo := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s, watchdog killed %v", name, watchdogToo), func(t *testing.T) {
				dir := t.TempDir()
				helper, pid, escaped := helperWithEscapee(t, dir, name, "6073")
				if name == "subreaper" {
					// Found by a scan, and recorded, within a second or so.
					deadline := time.Now().Add(5 * time.Second)
					for !slices.ContainsFunc(readState(StatePath(dir, "")), func(e stateEntry) bool {
						return slices.ContainsFunc(e.Descendants, func(p procID) bool { return p.PID == escaped })
					}) {
						if time.Now().After(deadline) {
							t.Fatalf("the state file never recorded process %d: %+v", escaped, readState(StatePath(dir, "")))
						}
						time.Sleep(20 * time.Millisecond)
					}
				}
				var cgroups []string
				for _, e := range readState(StatePath(dir, "")) {
					if e.Cgroup != "" {
						cgroups = append(cgroups, e.Cgroup)
					}
				}
				if (name == "subreaper") != (len(cgroups) == 0) {
					t.Fatalf("cgroups recorded with %s: %q", name, cgroups)
				}
				watchdog := childrenWith(helper.Process.Pid, WatchdogArg)
				if len(watchdog) != 1 {
					t.Fatalf("watchdog of the helper: %v", watchdog)
				}
				if watchdogToo {
					syscall.Kill(watchdog[0], syscall.SIGKILL)
				}
				if err := helper.Process.Signal(syscall.SIGKILL); err != nil {
					t.Fatal(err)
				}
				helper.Wait()
				if watchdogToo {
					if left := waitGone(watchdog, 5*time.Second); len(left) > 0 {
						t.Fatalf("the watchdog outlived SIGKILL: %v", left)
					}
					time.Sleep(300 * time.Millisecond)
					if !processAlive(escaped) {
						t.Fatalf("process %d died with its crispify and watchdog: the test proves nothing", escaped)
					}
					ended, err := EndLeftovers(ctxFor(t, 30*time.Second), StatePath(dir, ""), nil)
					if err != nil || !slices.Equal(ended, []string{"orphan"}) {
						t.Errorf("EndLeftovers: %q, %v", ended, err)
					}
				}
				if left := waitGone([]int{pid, escaped}, 12*time.Second); len(left) > 0 {
					t.Errorf("left running: %v", left)
				}
				if left := waitGone(watchdog, 12*time.Second); len(left) > 0 {
					t.Errorf("the watchdog still runs: %v", left)
				}
				for _, dir := range cgroups {
					if _, err := os.Stat(dir); err == nil {
						t.Errorf("cgroup %s left", dir)
					}
				}
				if entries := readState(StatePath(dir, "")); len(entries) != 0 {
					t.Errorf("state file not cleared: %+v", entries)
				}
				if left := Survivors(StatePath(dir, "")); len(left) != 0 {
					t.Errorf("survivors: %+v", left)
				}
			})
		}
	}
}

// childrenWith lists the live children of parent whose command line holds
// word.
func childrenWith(parent int, word string) []int {
	var out []int
	for pid, row := range readProcs() {
		if row.ppid != parent || row.zombie {
			continue
		}
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if strings.Contains(string(b), word) {
			out = append(out, pid)
		}
	}
	return out
}

// Where crispify's own cgroup is, read from mountinfo and /proc/self/cgroup
// as systems lay them out.
func TestCgroupHomeIsFoundAsSystemsMountIt(t *testing.T) {
	const (
		hybrid = `25 30 0:23 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755
26 25 0:24 / /sys/fs/cgroup/unified rw,nosuid - cgroup2 cgroup2 rw,nsdelegate
30 25 0:28 / /sys/fs/cgroup/pids rw,nosuid - cgroup cgroup rw,pids
31 25 0:29 / /sys/fs/cgroup/freezer rw,nosuid - cgroup cgroup rw,freezer
32 25 0:30 / /sys/fs/cgroup/systemd rw,nosuid - cgroup cgroup rw,xattr,name=systemd`
		unified = `29 23 0:26 / /sys/fs/cgroup rw,nosuid shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot`
		// A container sees its own cgroup as the mount's root.
		container = `800 790 0:26 /docker/abc /sys/fs/cgroup rw,nosuid - cgroup2 cgroup rw`
		spaced    = `29 23 0:26 / /mnt/my\040cgroups rw - cgroup2 cgroup2 rw`
	)
	cases := []struct {
		name, mountinfo, own string
		version              cgroupVersion
		controller           string
		want                 string
	}{
		{"hybrid, v2", hybrid, "4:pids:/user.slice\n0::/user.slice/session-3.scope\n", cgroupV2, "", "/sys/fs/cgroup/unified/user.slice/session-3.scope"},
		{"hybrid, v1 pids", hybrid, "4:pids:/user.slice\n0::/user.slice/session-3.scope\n", cgroupV1, "pids", "/sys/fs/cgroup/pids/user.slice"},
		{"hybrid, no v1 cpu", hybrid, "4:pids:/\n", cgroupV1, "cpu", ""},
		{"unified", unified, "0::/user.slice/user-1000.slice/user@1000.service/app.slice/term.scope\n", cgroupV2, "", "/sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service/app.slice/term.scope"},
		{"unified, no v1", unified, "0::/\n", cgroupV1, "pids", ""},
		{"container", container, "0::/docker/abc\n", cgroupV2, "", "/sys/fs/cgroup"},
		{"container, outside its root", container, "0::/other\n", cgroupV2, "", ""},
		{"escaped mount point", spaced, "0::/x\n", cgroupV2, "", "/mnt/my cgroups/x"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, _ := cgroupDirOf(c.mountinfo, c.own, c.version, c.controller)
			if got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}
