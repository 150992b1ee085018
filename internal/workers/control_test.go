package workers

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/crispify/crispify/internal/event"
)

func TestStopEndsAWorkerIgnoringSIGTERMAndItsGrandchild(t *testing.T) {
	t.Parallel()
	s, rec := newSupervisor(t)
	spec := Spec{Name: "api", Command: workerCmd("-ignore-term", "-child"), Ready: readyLog("^child=")}
	if err := s.Start(ctxFor(t, 20*time.Second), spec); err != nil {
		t.Fatal(err)
	}
	pid := s.Status()[0].PIDs[0]
	line := rec.waitFor(t, time.Second, "grandchild line", func(e event.Event) bool { return strings.HasPrefix(e.Line, "child=") })
	grandchild, _ := strconv.Atoi(strings.TrimPrefix(line.Line, "child="))
	began := time.Now()
	if err := s.Stop(ctxFor(t, 20*time.Second), "api"); err != nil {
		t.Fatalf("stop: %v", err)
	}
	took := time.Since(began)
	if took < 9*time.Second || took > 11*time.Second {
		t.Errorf("stop took %v, want SIGKILL after 10s", took)
	}
	for _, p := range []int{pid, grandchild} {
		if processAlive(p) {
			t.Errorf("process %d survived the stop", p)
		}
	}
	if !groupGone(pid) {
		t.Errorf("process group %d is not empty", pid)
	}
	rec.waitFor(t, time.Second, "stopped", phase("api", event.Stopped))
	if st := s.Status()[0]; st.State != event.Stopped || len(st.PIDs) != 0 {
		t.Errorf("status: %+v", st)
	}
}

func TestStopWithCancelledContextKillsAtOnce(t *testing.T) {
	t.Parallel()
	s, _ := newSupervisor(t)
	if err := s.Start(ctxFor(t, 20*time.Second), Spec{Name: "api", Command: workerCmd("-ignore-term")}); err != nil {
		t.Fatal(err)
	}
	pid := s.Status()[0].PIDs[0]
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	began := time.Now()
	if err := s.Stop(ctx, "api"); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(began); took > 3*time.Second {
		t.Errorf("a forced stop took %v", took)
	}
	if processAlive(pid) {
		t.Errorf("worker %d survived", pid)
	}
}

func TestStopAllKeepsTheOrder(t *testing.T) {
	t.Parallel()
	s, rec := newSupervisor(t)
	for _, name := range []string{"db-writer", "api", "web", "mailer"} {
		if err := s.Start(ctxFor(t, 20*time.Second), Spec{Name: name, Command: workerCmd()}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.StopAll(ctxFor(t, 20*time.Second), [][]string{{"web"}, {"api", "unknown"}, {"db-writer"}}); err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, e := range rec.states() {
		if e.Phase == event.Stopped {
			order = append(order, e.Name)
		}
	}
	if got := strings.Join(order, " "); got != "web api db-writer mailer" {
		t.Errorf("stop order %q, want web api db-writer mailer", got)
	}
}

func TestRestartByHand(t *testing.T) {
	t.Parallel()
	s, rec := newSupervisor(t)
	if err := s.Start(ctxFor(t, 20*time.Second), Spec{Name: "api", Command: workerCmd()}); err != nil {
		t.Fatal(err)
	}
	old := s.Status()[0].PIDs[0]
	if err := s.Restart(ctxFor(t, 20*time.Second), "api"); err != nil {
		t.Fatal(err)
	}
	st := s.Status()[0]
	if st.State != event.Ready || len(st.PIDs) != 1 || st.PIDs[0] == old || processAlive(old) {
		t.Errorf("status after restart: %+v (old pid %d)", st, old)
	}
	// A restart reads as one: restarting with its reason (a new process,
	// its pid), then ready, saying it was restarted and why; never stopped.
	var got []string
	for _, e := range rec.states() {
		got = append(got, string(e.Phase)+": "+e.Msg)
	}
	want := []string{"starting: pid " + fmt.Sprint(old), "ready: ", "restarting: by hand",
		"restarting: started, pid " + fmt.Sprint(st.PIDs[0]), "ready: restarted: by hand"}
	if !slices.Equal(got, want) {
		t.Errorf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if err := s.Restart(ctxFor(t, time.Second), "nope"); err == nil {
		t.Error("restart of an unknown worker: no error")
	}
}
