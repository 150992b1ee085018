//go:build unix

package workers

import (
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/manifest"
)

// readyPIDs follows the output of a worker whose replicas print "up pid=N"
// when ready, and says which processes have been ready.
func readyPIDs(rec *recorder) map[int]bool {
	out := map[int]bool{}
	for _, e := range rec.all() {
		if _, after, ok := strings.Cut(e.Line, "up pid="); ok {
			n, _ := strconv.Atoi(after)
			out[n] = true
		}
	}
	return out
}

// A consumer with no port, ready by a line of its output, is replaced one
// replica at a time: each new one is ready before the old one of its number
// gets SIGTERM, so that at least one ready replica runs throughout.
func TestReplaceRollsALogReadyWorkerWithoutDowntime(t *testing.T) {
	t.Parallel()
	s, rec := newSupervisor(t)
	spec := func(version string) Spec {
		return Spec{Name: "consumer", Replicas: 2, Ready: readyLog("^up pid="), Env: append(testEnv(), "VERSION="+version),
			Command: `exec ` + workerCmd("-note-term") + ` -say "up pid=$$"`}
	}
	if err := s.Start(ctxFor(t, 20*time.Second), spec("1")); err != nil {
		t.Fatal(err)
	}
	old := s.Status()[0].PIDs
	if len(old) != 2 {
		t.Fatalf("pids before: %v", old)
	}

	// Sample the processes while the restart runs: at every moment one
	// that has been ready must be alive.
	stop := make(chan struct{})
	var sampled sync.WaitGroup
	var gaps []string
	sampled.Go(func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
			ready := readyPIDs(rec)
			live := 0
			for _, pid := range s.Status()[0].PIDs {
				if ready[pid] && processAlive(pid) {
					live++
				}
			}
			if live == 0 {
				gaps = append(gaps, time.Now().Format("15:04:05.000"))
			}
		}
	})
	err := s.Replace(ctxFor(t, 30*time.Second), spec("2"), "env changed")
	close(stop)
	sampled.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if len(gaps) > 0 {
		t.Errorf("no ready replica ran at %v", gaps)
	}
	st := s.Status()[0]
	if st.State != event.Ready || len(st.PIDs) != 2 {
		t.Fatalf("status after: %+v", st)
	}
	for _, p := range old {
		if processAlive(p) {
			t.Errorf("old replica %d still runs", p)
		}
	}
	// Order in the worker's own output: new replica 0 up, then old 0 told
	// to stop; new 1 up, then old 1 told to stop.
	var order []string
	for _, e := range rec.all() {
		switch {
		case strings.Contains(e.Line, "up pid="):
			order = append(order, "up "+e.Line[strings.Index(e.Line, "pid=")+4:])
		case strings.Contains(e.Line, "got SIGTERM"):
			order = append(order, "term "+e.Line[strings.Index(e.Line, "pid=")+4:])
		}
	}
	want := []string{"up " + itoa(old[0]), "up " + itoa(old[1]), "up " + itoa(st.PIDs[0]), "term " + itoa(old[0]), "up " + itoa(st.PIDs[1]), "term " + itoa(old[1])}
	if len(order) > 1 {
		slices.Sort(order[:2]) // the old two came up in either order
		slices.Sort(want[:2])
	}
	if strings.Join(order, ",") != strings.Join(want, ",") {
		t.Errorf("order of readiness and SIGTERM:\n got %v\nwant %v", order, want)
	}
	var msgs []string
	for _, e := range rec.states() {
		msgs = append(msgs, string(e.Phase)+": "+e.Msg)
	}
	joined := strings.Join(msgs, "\n")
	if !strings.Contains(joined, "restarting: env changed") || !strings.HasSuffix(joined, "ready: restarted: env changed") {
		t.Errorf("events do not say the restart and its reason:\n%s", joined)
	}
	if strings.Contains(joined, "stopped") {
		t.Errorf("a rolling restart reported the worker stopped:\n%s", joined)
	}
}

// A worker ready by its port holds that port: the old process must be gone
// before the new one starts, or the new one could not listen.
func TestReplaceStopsThenStartsAWorkerOnAFixedPort(t *testing.T) {
	t.Parallel()
	s, rec := newSupervisor(t)
	port := freePort(t)
	spec := func(version string) Spec {
		return Spec{Name: "api", Ready: &manifest.Ready{TCP: port}, Env: append(testEnv(), "VERSION="+version),
			Command: workerCmd("-note-term", "-listen", itoa(port), "-env", "VERSION")}
	}
	if err := s.Start(ctxFor(t, 20*time.Second), spec("1")); err != nil {
		t.Fatal(err)
	}
	old := s.Status()[0].PIDs[0]
	if err := s.Replace(ctxFor(t, 30*time.Second), spec("2"), "3 new commits"); err != nil {
		t.Fatal(err)
	}
	st := s.Status()[0]
	if st.State != event.Ready || len(st.PIDs) != 1 || st.PIDs[0] == old || processAlive(old) {
		t.Fatalf("status after: %+v (old %d)", st, old)
	}
	rec.waitFor(t, 5*time.Second, "the new environment", func(e event.Event) bool { return e.Line == "VERSION=2" })
	terms, second := -1, -1
	for i, e := range rec.all() {
		if strings.Contains(e.Line, "got SIGTERM") && terms < 0 {
			terms = i
		}
		if e.Line == "VERSION=2" {
			second = i
		}
	}
	if terms < 0 || second < terms {
		t.Errorf("the new process ran before the old one was told to stop (SIGTERM at %d, new output at %d):\n%s", terms, second, dump(rec.all()))
	}
}

// A new replica that does not come up is stopped, and the old one keeps
// serving: the error and the events say so.
func TestReplaceThatFailsKeepsTheOldReplica(t *testing.T) {
	t.Parallel()
	s, rec := newSupervisor(t)
	good := Spec{Name: "consumer", Ready: readyLog("consuming"), Env: testEnv(), Command: workerCmd("-say", "consuming")}
	if err := s.Start(ctxFor(t, 20*time.Second), good); err != nil {
		t.Fatal(err)
	}
	old := s.Status()[0].PIDs[0]
	bad := good
	bad.Command = workerCmd("-print", "panic: cannot parse config", "-exit-code", "2")
	bad.Restart = manifest.RestartNever
	err := s.Replace(ctxFor(t, 30*time.Second), bad, "main.go changed")
	if err == nil {
		t.Fatal("a replace whose new process exits at once: no error")
	}
	for _, want := range []string{"restart failed", "the old process keeps running (pid " + itoa(old) + ")", "exited with code 2", "cannot parse config"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	st := s.Status()[0]
	if st.State != event.Ready || len(st.PIDs) != 1 || st.PIDs[0] != old || !processAlive(old) {
		t.Errorf("status after a failed replace: %+v (old %d)", st, old)
	}
	last := rec.states()[len(rec.states())-1]
	if last.Phase != event.Ready || !strings.Contains(last.Msg, "restart failed") {
		t.Errorf("last event %s %q, want ready saying the restart failed", last.Phase, last.Msg)
	}
	// The next good change brings the new version in.
	fixed := good
	fixed.Command = workerCmd("-say", "consuming", "-print", "v2")
	if err := s.Replace(ctxFor(t, 30*time.Second), fixed, "main.go changed"); err != nil {
		t.Fatal(err)
	}
	if st := s.Status()[0]; st.State != event.Ready || st.PIDs[0] == old {
		t.Errorf("status after the fix: %+v", st)
	}
}

func TestReplaceOfAWorkerThatDoesNotRunStartsIt(t *testing.T) {
	t.Parallel()
	s, _ := newSupervisor(t)
	spec := Spec{Name: "api", Env: testEnv(), Command: workerCmd()}
	if err := s.Replace(ctxFor(t, 20*time.Second), spec, "env changed"); err != nil {
		t.Fatal(err)
	}
	if _, running := s.Running("api"); !running {
		t.Error("not running after Replace of a worker that did not run")
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func testEnv() []string { return os.Environ() }

// A worker restarted for a change to its code that exits before it is
// ready fails at once, whatever its restart policy: it waits for the next
// change rather than restarting in a loop.
func TestFailFastFailsAtTheFirstExitBeforeReady(t *testing.T) {
	t.Parallel()
	s, rec := newSupervisor(t)
	spec := Spec{Name: "api", Env: testEnv(), Command: workerCmd("-print", "undefined: handler", "-exit-code", "2"), Ready: readyLog("never"), FailFast: true}
	err := s.Start(ctxFor(t, 20*time.Second), spec)
	if err == nil || !strings.Contains(err.Error(), "undefined: handler") {
		t.Fatalf("start: %v", err)
	}
	if n := rec.count(phase("api", event.Restarting)); n != 0 {
		t.Errorf("restarted %d times before failing", n)
	}
	if st := s.Status()[0]; st.State != event.Failed {
		t.Errorf("status: %+v", st)
	}
}

// Fail stops a running worker and shows it failed with the reason; the
// next start brings it back.
func TestFailStopsTheWorkerAndSaysWhy(t *testing.T) {
	t.Parallel()
	s, rec := newSupervisor(t)
	spec := Spec{Name: "api", Env: testEnv(), Command: workerCmd()}
	if err := s.Start(ctxFor(t, 20*time.Second), spec); err != nil {
		t.Fatal(err)
	}
	pid := s.Status()[0].PIDs[0]
	s.Fail(ctxFor(t, 20*time.Second), "api", &Failure{Kind: event.Setup, Name: "api", What: "`go build` exited with code 1", Lines: []string{"./main.go:3:1: syntax error"}})
	if processAlive(pid) {
		t.Error("the worker still runs after Fail")
	}
	e := rec.waitFor(t, time.Second, "failed", phase("api", event.Failed))
	if !strings.Contains(e.Error, "syntax error") {
		t.Errorf("failed event: %+v", e)
	}
	if _, running := s.Running("api"); running {
		t.Error("Running says yes after Fail")
	}
	if err := s.Replace(ctxFor(t, 20*time.Second), spec, "main.go changed"); err != nil {
		t.Fatal(err)
	}
	if st := s.Status()[0]; st.State != event.Ready {
		t.Errorf("after the next start: %+v", st)
	}
	// A worker never started is reported failed too.
	s.Fail(ctxFor(t, 5*time.Second), "other", &Failure{Kind: event.Setup, Name: "other", What: "setup failed"})
	if e := rec.waitFor(t, time.Second, "other failed", phase("other", event.Failed)); e.Kind != event.Worker {
		t.Errorf("event %+v", e)
	}
}
