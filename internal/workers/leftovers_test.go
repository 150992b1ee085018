//go:build unix

package workers

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/crispify/crispify/internal/event"
)

// startLeftover starts fixtures/worker in a group of its own, as the
// supervisor would, and returns it; the test ends it if it still runs.
func startLeftover(t *testing.T, args ...string) *proc {
	t.Helper()
	p, err := startProc(workerCmd(args...), t.TempDir(), os.Environ(), nil)
	if err != nil {
		t.Fatal(err)
	}
	go p.follow(func(string) {})
	t.Cleanup(func() { stopGroup(context.Background(), p.pid, time.Second) })
	return p
}

// deadPID returns the pid of a process that has exited.
func deadPID(t *testing.T) int {
	c := exec.Command("true")
	if err := c.Run(); err != nil {
		t.Fatal(err)
	}
	return c.Process.Pid
}

func writeState(t *testing.T, dir string, entries ...stateEntry) {
	t.Helper()
	if err := updateState(StatePath(dir, ""), func([]stateEntry) []stateEntry { return entries }); err != nil {
		t.Fatal(err)
	}
}

func TestEndLeftoversEndsOnlyWhatIsOurs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	leftover := startLeftover(t, "-child")
	reused := startLeftover(t)
	live := startLeftover(t)
	self, _ := startTime(os.Getpid())
	start := func(p *proc) uint64 {
		s, ok := startTime(p.pid)
		if !ok {
			t.Fatalf("no start time for %d", p.pid)
		}
		return s
	}
	dead := deadPID(t)
	writeState(t, dir,
		// Left by a crispify that died: ended.
		stateEntry{Name: "api", PID: leftover.pid, PGID: leftover.pid, Start: start(leftover), Owner: dead, OwnerStart: 1},
		// Its pid now names another process (start time differs): left alone.
		stateEntry{Name: "web", PID: reused.pid, PGID: reused.pid, Start: start(reused) + 1},
		// Supervised by a crispify that is alive (this one): left alone, kept.
		stateEntry{Name: "mailer", PID: live.pid, PGID: live.pid, Start: start(live), Owner: os.Getpid(), OwnerStart: self},
		// Long gone: dropped.
		stateEntry{Name: "gone", PID: dead, PGID: dead, Start: 42},
	)
	rec := &recorder{}
	began := time.Now()
	ended, err := EndLeftovers(ctxFor(t, 30*time.Second), StatePath(dir, ""), rec)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ended, []string{"api"}) {
		t.Errorf("ended %q, want [api]", ended)
	}
	if took := time.Since(began); took > 12*time.Second {
		t.Errorf("took %v", took)
	}
	if !groupGone(leftover.pid) {
		t.Errorf("leftover group %d still there", leftover.pid)
	}
	if !processAlive(reused.pid) || !processAlive(live.pid) {
		t.Error("a process that is not a leftover was ended")
	}
	e := rec.waitFor(t, time.Second, "stopped", phase("api", event.Stopped))
	if e.PID != leftover.pid {
		t.Errorf("event: %+v", e)
	}
	left := readState(StatePath(dir, ""))
	if len(left) != 1 || left[0].Name != "mailer" {
		t.Errorf("state file after: %+v, want only mailer's entry", left)
	}
	// Nothing left to do: a second call ends nothing.
	if ended, err := EndLeftovers(ctxFor(t, 5*time.Second), StatePath(dir, ""), event.Discard); err != nil || len(ended) != 0 {
		t.Errorf("second call: %q, %v", ended, err)
	}
}

func TestEndLeftoversWithoutStateFile(t *testing.T) {
	ended, err := EndLeftovers(context.Background(), t.TempDir()+"/nothing-here/workers.json", nil)
	if err != nil || ended != nil {
		t.Errorf("got %q, %v", ended, err)
	}
}

func TestStateFileFollowsTheWorkers(t *testing.T) {
	t.Parallel()
	s, _ := newSupervisor(t)
	if err := s.Start(ctxFor(t, 20*time.Second), Spec{Name: "api", Command: workerCmd(), Replicas: 2}); err != nil {
		t.Fatal(err)
	}
	entries := readState(s.state.path)
	if len(entries) != 2 || entries[0].Name != "api" || entries[0].Replica != 0 || entries[1].Replica != 1 {
		t.Fatalf("state: %+v", entries)
	}
	for _, e := range entries {
		if !isOurs(e) || e.Owner != os.Getpid() || !ownerAlive(e) {
			t.Errorf("entry %+v does not name a live process of ours", e)
		}
	}
	// A live supervisor's workers are no leftovers.
	if ended, _ := EndLeftovers(ctxFor(t, 5*time.Second), s.state.path, nil); len(ended) != 0 {
		t.Errorf("EndLeftovers ended the workers of a live supervisor: %q", ended)
	}
	if err := s.Stop(ctxFor(t, 20*time.Second), "api"); err != nil {
		t.Fatal(err)
	}
	if entries := readState(s.state.path); len(entries) != 0 {
		t.Errorf("state after stop: %+v", entries)
	}
}

// TestWatchdogEndsGroupsWhenCrispifyIsKilled kills a supervising process
// with SIGKILL: nothing of its worker's group may outlive it for long. The
// worker's grandchild is out of reach of the parent-death signal: only the
// watchdog can end it.
func TestWatchdogEndsGroupsWhenCrispifyIsKilled(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	helper := exec.Command(os.Args[0], "-test.run=^$")
	helper.Env = append(os.Environ(), helperEnv+"=1", helperStateEnv+"="+dir, helperWorkerEnv+"="+workerBin)
	helper.Stderr = os.Stderr
	out, err := helper.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := helper.Start(); err != nil {
		t.Fatal(err)
	}
	var pid, grandchild int
	sc := bufio.NewScanner(out)
	for (pid == 0 || grandchild == 0) && sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 2 {
			n, _ := strconv.Atoi(f[1])
			switch f[0] {
			case "pid":
				pid = n
			case "grandchild":
				grandchild = n
			}
		}
	}
	if pid == 0 || grandchild == 0 {
		helper.Process.Kill()
		t.Fatalf("the helper did not report its worker (pid %d, grandchild %d)", pid, grandchild)
	}
	t.Cleanup(func() { killGroup(pid) })
	if err := helper.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	helper.Wait()
	deadline := time.Now().Add(12 * time.Second)
	for !(groupGone(pid) && !processAlive(grandchild)) {
		if time.Now().After(deadline) {
			t.Fatalf("worker group %d (grandchild %d) outlived its supervisor by 12s", pid, grandchild)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The state file still lists it; the next run finds nothing to end.
	if ended, err := EndLeftovers(ctxFor(t, 5*time.Second), StatePath(dir, ""), nil); err != nil || len(ended) != 0 {
		t.Errorf("EndLeftovers after the watchdog: %q, %v", ended, err)
	}
	if entries := readState(StatePath(dir, "")); len(entries) != 0 {
		t.Errorf("state file not cleared: %+v", entries)
	}
}

// Killed with its supervisor and watchdog, a worker run by a `sh -c` that
// did not exec loses its group leader (the shell gets the parent-death
// signal and dies) while the real program lives on in the group. The next
// run ends it by its group all the same.
func TestEndLeftoversEndsAGroupWhoseLeaderIsGone(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// The shell forks the worker (two commands: no exec) and waits for it.
	p, err := startProc(workerCmd("-ignore-term", "-child")+"; echo the worker ended", t.TempDir(), os.Environ(), nil)
	if err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 16)
	go p.follow(func(l string) { lines <- l })
	t.Cleanup(func() { killGroup(p.pid) })
	var members []int
	for len(members) < 2 {
		select {
		case l := <-lines:
			for _, prefix := range []string{"pid=", "child="} {
				if n, err := strconv.Atoi(strings.TrimPrefix(l, prefix)); err == nil && strings.HasPrefix(l, prefix) {
					members = append(members, n)
				}
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("the worker did not say its pids; got %v", members)
		}
	}
	start, ok := startTime(p.pid)
	if !ok {
		t.Fatal("no start time of the shell")
	}
	writeState(t, dir, stateEntry{Name: "api", PID: p.pid, PGID: p.pid, Start: start, Owner: deadPID(t), OwnerStart: 1})
	// The leader dies as it would of the parent-death signal.
	if err := syscall.Kill(p.pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.exited
	for _, m := range members {
		if !processAlive(m) {
			t.Fatalf("member %d of the group died with its leader: the test proves nothing", m)
		}
	}
	ended, err := EndLeftovers(ctxFor(t, 30*time.Second), StatePath(dir, ""), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ended, []string{"api"}) {
		t.Errorf("ended %q, want [api]", ended)
	}
	for _, m := range members {
		if processAlive(m) {
			t.Errorf("process %d of the group outlived EndLeftovers", m)
		}
	}
}

// A group whose leader is gone and whose members all started before the
// recorded start is not ours: the start time guards against a stale entry.
func TestEndLeftoversLeavesAGroupOlderThanItsEntry(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	other := startLeftover(t)
	start, _ := startTime(other.pid)
	// An entry naming a dead leader whose group id is other's, recorded
	// as starting after other did.
	writeState(t, dir, stateEntry{Name: "api", PID: deadPID(t), PGID: other.pid, Start: start + 1000, Owner: deadPID(t), OwnerStart: 1})
	if ended, err := EndLeftovers(ctxFor(t, 10*time.Second), StatePath(dir, ""), nil); err != nil || len(ended) != 0 {
		t.Errorf("ended %q, %v: want nothing", ended, err)
	}
	if !processAlive(other.pid) {
		t.Error("a process older than the entry was ended")
	}
}
