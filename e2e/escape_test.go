package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A worker whose run leaves a process of its own outside its process group,
// as daemons and some dev servers do (`setsid prog &`), must leave nothing
// running however it is stopped (issue 19).

// escapingManifest is one worker, ready by "up", whose run starts `sleep
// TAG` in a session of its own before the worker.
func escapingManifest(e *env, tag, extra string) {
	e.write(head + "services:\n  daemon:\n    repo: " + e.workerRepo("daemon", nil) + `
    setup: ["go build -o worker ."]
    setup_when: [main.go]
    run: "setsid sleep ` + tag + ` & echo escaped=$!; exec ./worker"
    env: {WORKER_SAY: up}
    ready: {log: up}
` + extra)
}

var escapedLine = regexp.MustCompile(`(?m)^escaped=(\d+)$`)

// escaped are the pids the worker's log names as escaped=PID, each checked
// to run in a session of its own: out of its worker's group, or the test
// proves nothing.
func (e *env) escaped(name string) []int {
	e.t.Helper()
	var out []int
	eventually(5*time.Second, func() bool {
		out = nil
		for _, m := range escapedLine.FindAllStringSubmatch(e.workerLog(name), -1) {
			n, _ := strconv.Atoi(m[1])
			out = append(out, n)
		}
		return len(out) > 0
	})
	for _, pid := range out {
		ok := eventually(5*time.Second, func() bool { return sessionOf(pid) == pid })
		if !ok {
			e.t.Fatalf("process %d never ran in a session of its own (session %d)", pid, sessionOf(pid))
		}
	}
	return out
}

// sessionOf is the session of pid, 0 when it does not run.
func sessionOf(pid int) int {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	if len(fields) < 4 {
		return 0
	}
	n, _ := strconv.Atoi(fields[3])
	return n
}

func TestDecrispifyEndsAProcessThatLeftItsWorkersGroup(t *testing.T) {
	needEngine(t)
	e := newEnv(t, "setsid-down")
	escapingManifest(e, "6081", "")
	e.crispify("-d").must(t, 0)
	escaped := e.escaped("daemon")
	pids := append(e.pids("daemon"), escaped...)
	e.mustBeAlive("the worker and the process that left its group", pids...)
	e.run("decrispify").must(t, 0)
	if left := waitGone(pids, time.Second); len(left) > 0 {
		t.Errorf("processes left after decrispify: %v", left)
	}
}

func TestCtrlCOfAForegroundRunEndsAProcessThatLeftItsWorkersGroup(t *testing.T) {
	needEngine(t)
	e := newEnv(t, "setsid-ctrlc")
	escapingManifest(e, "6082", "")
	cmd := e.foreground("daemon")
	escaped := e.escaped("daemon")
	pids := append(e.pids("daemon"), escaped...)
	e.mustBeAlive("the worker and the process that left its group", pids...)
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if code := exitWithin(cmd, 15*time.Second); code != 130 {
		t.Errorf("crispify after SIGINT: exit %d, want 130", code)
	}
	if left := waitGone(pids, time.Second); len(left) > 0 {
		t.Errorf("processes left after Ctrl-C: %v", left)
	}
}

func TestKill9OfSupervisorAndWatchdogThenDecrispifyEndsWhatLeftTheGroup(t *testing.T) {
	needEngine(t)
	e := newEnv(t, "setsid-kill9")
	escapingManifest(e, "6083", "")
	e.crispify("-d").must(t, 0)
	escaped := e.escaped("daemon")
	supervisor := pidsOf(bin+"/crispify", "__daemon", e.manifest)
	watchdog := childrenNamed(supervisor, "__watchdog")
	e.mustBeAlive("the process that left the worker's group", escaped...)
	e.mustBeAlive("supervisor", supervisor...)
	e.mustBeAlive("watchdog", watchdog...)
	for _, p := range append(watchdog, supervisor...) {
		if err := kill(p, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
	}
	if left := waitGone(append(watchdog, supervisor...), 5*time.Second); len(left) > 0 {
		t.Fatalf("still alive after SIGKILL: %v", left)
	}
	time.Sleep(500 * time.Millisecond)
	e.mustBeAlive("the process that left the group, after its supervisor and watchdog were killed", escaped...)
	// Meanwhile status says it is there, and why.
	if row := e.status()["worker daemon"]; !strings.Contains(row.Detail, "left running by a crispify that was killed: pid "+itoa(escaped[0])) {
		t.Errorf("status does not name the process left: %+v", row)
	}

	r := e.run("decrispify").must(t, 0)
	if !strings.Contains(r.stdout, "ended workers left running by an earlier crispify: daemon") {
		t.Errorf("decrispify does not say it ended the leftover: %q", r.stdout)
	}
	if left := waitGone(escaped, time.Second); len(left) > 0 {
		t.Errorf("processes left after decrispify: %v", left)
	}
}

// restart: always restarts the worker each time it exits; each run's
// escaped process goes with its run.
func TestRestartAlwaysLeavesNoProcessOfEarlierRuns(t *testing.T) {
	needEngine(t)
	e := newEnv(t, "setsid-always")
	e.write(head + "services:\n  looper:\n    repo: " + e.workerRepo("looper", nil) + `
    setup: ["go build -o worker ."]
    setup_when: [main.go]
    run: "setsid sleep 6084 & echo escaped=$!; exec ./worker"
    env: {WORKER_EXIT_AFTER: 700ms, WORKER_EXIT_CODE: "0"}
    restart: always
`)
	e.crispify("-d").must(t, 0)
	var escaped []int
	if !eventually(20*time.Second, func() bool { escaped = escapedPIDs(e, "looper"); return len(escaped) >= 4 }) {
		t.Fatalf("four runs did not come within 20s: %v\n%s", escaped, e.workerLog("looper"))
	}
	for _, pid := range escaped[:len(escaped)-1] {
		if alive(pid) {
			t.Errorf("process %d of an earlier run runs after its worker restarted", pid)
		}
	}
	e.run("decrispify").must(t, 0)
	if left := waitGone(escaped, time.Second); len(left) > 0 {
		t.Errorf("processes left after decrispify: %v", left)
	}
}

func escapedPIDs(e *env, name string) []int {
	var out []int
	for _, m := range escapedLine.FindAllStringSubmatch(e.workerLog(name), -1) {
		n, _ := strconv.Atoi(m[1])
		out = append(out, n)
	}
	return out
}

// A process that a stop cannot end (here frozen by a cgroup v1 freezer,
// where even SIGKILL waits for a thaw) is named by pid by decrispify and
// status, and the next decrispify, once it can end, leaves nothing.
func TestWhatCannotBeEndedIsNamedByDecrispifyAndStatus(t *testing.T) {
	needEngine(t)
	freezer := freezerCgroup(t)
	e := newEnv(t, "setsid-frozen")
	escapingManifest(e, "6085", "")
	e.crispify("-d").must(t, 0)
	escaped := e.escaped("daemon")
	e.mustBeAlive("the process that left the worker's group", escaped...)
	freeze(t, freezer, escaped[0])

	r := e.run("decrispify")
	t.Logf("decrispify said:\n%s%s", r.stdout, r.stderr)
	if r.code != 1 {
		t.Errorf("decrispify with a process it cannot end: exit %d, want 1\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	want := "daemon (pid " + itoa(escaped[0]) + "): end them by hand with `kill -KILL " + itoa(escaped[0]) + "`"
	if !strings.Contains(r.stderr, want) {
		t.Errorf("decrispify does not name the process it could not end (%q):\n%s", want, r.stderr)
	}
	if row := e.status()["worker daemon"]; !strings.Contains(row.Detail, "could not be ended, still running: pid "+itoa(escaped[0])) {
		t.Errorf("status does not name the process it could not end: %+v", row)
	}

	thaw(t, freezer)
	if left := waitGone(escaped, 5*time.Second); len(left) > 0 {
		t.Fatalf("the thawed process did not take its SIGKILL: %v", left)
	}
	e.run("decrispify").must(t, 0)
	if row := e.status()["worker daemon"]; strings.Contains(row.Detail, "pid") {
		t.Errorf("status still names a process: %+v", row)
	}
}

// freezerCgroup makes a cgroup v1 freezer cgroup for the test, removed
// with it; CI runs as root with the freezer mounted.
func freezerCgroup(t *testing.T) string {
	t.Helper()
	root := "/sys/fs/cgroup/freezer"
	if _, err := os.Stat(filepath.Join(root, "freezer.state")); err != nil {
		if _, err := os.Stat(filepath.Join(root, "tasks")); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("CI has the cgroup v1 freezer at %s: %v", root, err)
			}
			t.Skipf("no cgroup v1 freezer at %s", root)
		}
	}
	dir := filepath.Join(root, "crispify-e2e-"+strconv.Itoa(os.Getpid())+"-"+strconv.FormatInt(time.Now().UnixNano(), 36))
	if err := os.Mkdir(dir, 0o755); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	t.Cleanup(func() {
		thaw(t, dir)
		eventually(5*time.Second, func() bool {
			// What a failed test left in it goes, or the folder cannot.
			b, _ := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
			for _, f := range strings.Fields(string(b)) {
				if pid, err := strconv.Atoi(f); err == nil {
					syscall.Kill(pid, syscall.SIGKILL)
				}
			}
			return syscall.Rmdir(dir) == nil
		})
	})
	return dir
}

func freeze(t *testing.T, dir string, pid int) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "cgroup.procs"), []byte(itoa(pid)), 0); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "freezer.state"), []byte("FROZEN"), 0); err != nil {
		t.Fatal(err)
	}
	if !eventually(5*time.Second, func() bool {
		b, _ := os.ReadFile(filepath.Join(dir, "freezer.state"))
		return strings.TrimSpace(string(b)) == "FROZEN"
	}) {
		t.Fatal("the freezer never froze")
	}
}

func thaw(t *testing.T, dir string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "freezer.state"), []byte("THAWED"), 0); err != nil {
		t.Errorf("thaw %s: %v", dir, err)
	}
}
