//go:build unix

package workers

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/manifest"
)

func readyLog(re string) *manifest.Ready { return &manifest.Ready{Log: re} }

func TestReadiness(t *testing.T) {
	t.Parallel()
	tcp, httpPort := freePort(t), freePort(t)
	tests := []struct {
		name    string
		command string
		env     []string
		ready   *manifest.Ready
	}{
		{"tcp", workerCmd("-delay", "300ms", "-listen", strconv.Itoa(tcp)), nil, &manifest.Ready{TCP: tcp}},
		{"http", workerCmd("-delay", "300ms", "-http", strconv.Itoa(httpPort)), []string{"PORT=" + strconv.Itoa(httpPort)},
			&manifest.Ready{HTTP: "http://127.0.0.1:${PORT}/health"}},
		{"log", workerCmd("-delay", "300ms", "-say", "listening on 8080"), nil, readyLog(`listening on \d+`)},
		{"running", workerCmd(), nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, rec := newSupervisor(t)
			env := append(os.Environ(), tt.env...)
			began := time.Now()
			if err := s.Start(ctxFor(t, 20*time.Second), Spec{Name: "api", Command: tt.command, Env: env, Ready: tt.ready}); err != nil {
				t.Fatalf("start: %v", err)
			}
			if took := time.Since(began); took < 300*time.Millisecond {
				t.Errorf("ready after %v, before the worker could be", took)
			}
			states := rec.states()
			if len(states) != 2 || states[0].Phase != event.Starting || states[0].PID == 0 || states[1].Phase != event.Ready {
				t.Errorf("events: want starting (with a pid), ready; got:\n%s", dump(states))
			}
			st := s.Status()
			if len(st) != 1 || st[0].State != event.Ready || len(st[0].PIDs) != 1 || st[0].PIDs[0] != states[0].PID {
				t.Errorf("status: %+v", st)
			}
		})
	}
}

func TestReadyTimeoutFailsWithLastLines(t *testing.T) {
	t.Parallel()
	s, rec := newSupervisor(t)
	port := freePort(t)
	spec := Spec{Name: "api", Command: workerCmd("-print", "booting|still booting"),
		Ready: &manifest.Ready{TCP: port, Timeout: manifest.Duration(time.Second)}}
	began := time.Now()
	err := s.Start(ctxFor(t, 20*time.Second), spec)
	var f *Failure
	if !errors.As(err, &f) {
		t.Fatalf("start: want a *Failure, got %v", err)
	}
	if took := time.Since(began); took < time.Second || took > 5*time.Second {
		t.Errorf("failed after %v, want about 1s", took)
	}
	for _, want := range []string{"not ready within 1s", fmt.Sprintf("port %d", port), "still booting", "ready.timeout"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	failed := rec.waitFor(t, time.Second, "failed", phase("api", event.Failed))
	if !strings.Contains(failed.Error, "still booting") {
		t.Errorf("failed event: %q", failed.Error)
	}
	pid := rec.states()[0].PID
	if processAlive(pid) {
		t.Errorf("worker %d still runs after failing to become ready", pid)
	}
	if st := s.Status(); st[0].State != event.Failed {
		t.Errorf("status: %+v", st)
	}
}

func TestExitAtOnceWithRestartNever(t *testing.T) {
	t.Parallel()
	s, rec := newSupervisor(t)
	spec := Spec{Name: "api", Command: workerCmd("-print", "config missing", "-exit-code", "3"), Restart: manifest.RestartNever, Ready: &manifest.Ready{TCP: freePort(t)}}
	err := s.Start(ctxFor(t, 20*time.Second), spec)
	var f *Failure
	if !errors.As(err, &f) || f.ExitCode == nil || *f.ExitCode != 3 {
		t.Fatalf("start: want a failure with exit code 3, got %v", err)
	}
	for _, want := range []string{"exited with code 3 before it was ready", "config missing", "exiting with 3"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	failed := rec.waitFor(t, time.Second, "failed", phase("api", event.Failed))
	if failed.ExitCode == nil || *failed.ExitCode != 3 {
		t.Errorf("failed event without exit code 3: %+v", failed)
	}
	if n := rec.count(phase("api", event.Starting)); n != 1 {
		t.Errorf("started %d times, want once (restart: never)", n)
	}
}

func TestExitAtOnceWithOnFailureBacksOff(t *testing.T) {
	t.Parallel()
	s, rec := newSupervisor(t)
	spec := Spec{Name: "api", Command: workerCmd("-print", "cannot connect", "-exit-code", "3"), Restart: manifest.RestartOnFailure}
	err := s.Start(ctxFor(t, 20*time.Second), spec)
	if err == nil || !strings.Contains(err.Error(), "3 times within") || !strings.Contains(err.Error(), "cannot connect") {
		t.Fatalf("start: want a failure after three restarts, with the output; got %v", err)
	}
	var starts []time.Time
	for _, e := range rec.states() {
		if e.Phase == event.Starting {
			starts = append(starts, e.TS)
		}
	}
	if len(starts) != 3 {
		t.Fatalf("started %d times, want 3:\n%s", len(starts), dump(rec.states()))
	}
	for i, want := range []time.Duration{time.Second, 2 * time.Second} {
		gap := starts[i+1].Sub(starts[i])
		if gap < want || gap > want+700*time.Millisecond {
			t.Errorf("restart %d came %v after the start before, want about %v", i+1, gap, want)
		}
	}
	restarting := rec.waitFor(t, time.Second, "restarting", phase("api", event.Restarting))
	if restarting.Msg != "in 1s" || restarting.Restarts != 1 {
		t.Errorf("first restarting event: %+v", restarting)
	}
}

func TestKilledWorkerIsRestarted(t *testing.T) {
	t.Parallel()
	s, rec := newSupervisor(t)
	if err := s.Start(ctxFor(t, 20*time.Second), Spec{Name: "api", Command: workerCmd()}); err != nil {
		t.Fatal(err)
	}
	pid := s.Status()[0].PIDs[0]
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	exited := rec.waitFor(t, 5*time.Second, "exited", phase("api", event.Exited))
	if exited.ExitCode == nil || *exited.ExitCode != 128+9 || exited.PID != pid {
		t.Errorf("exited event: %+v", exited)
	}
	rec.waitFor(t, 5*time.Second, "restarting", func(e event.Event) bool {
		return phase("api", event.Restarting)(e) && e.Restarts == 1 && e.Msg == "in 1s"
	})
	again := rec.waitFor(t, 5*time.Second, "a new start", func(e event.Event) bool {
		return phase("api", event.Starting)(e) && e.PID != pid
	})
	if gap := again.TS.Sub(exited.TS); gap < time.Second {
		t.Errorf("restarted %v after the exit, want 1s of backoff", gap)
	}
	rec.waitFor(t, 5*time.Second, "ready again", func(e event.Event) bool {
		return phase("api", event.Ready)(e) && e.TS.After(again.TS)
	})
	st := s.Status()[0]
	if st.State != event.Ready || st.Restarts != 1 || st.LastExit == nil || *st.LastExit != 137 || st.PIDs[0] != again.PID {
		t.Errorf("status: %+v", st)
	}
}

func TestCrashLoopIsSick(t *testing.T) {
	t.Parallel()
	s, rec := newSupervisor(t)
	// Ready after 500ms, then exits: up, then down, over and over.
	if err := s.Start(ctxFor(t, 20*time.Second), Spec{Name: "api", Command: workerCmd("-exit-code", "1", "-exit-after", "700ms")}); err != nil {
		t.Fatal(err)
	}
	sick := rec.waitFor(t, 15*time.Second, "sick", phase("api", event.Sick))
	if sick.Restarts != 3 || !strings.Contains(sick.Msg, "restarted 3 times") {
		t.Errorf("sick event: %+v", sick)
	}
	if st := s.Status()[0]; st.State != event.Sick {
		t.Errorf("status: %+v", st)
	}
	// It keeps restarting, while sick.
	rec.waitFor(t, 10*time.Second, "a start after sick", func(e event.Event) bool {
		return e.Name == "api" && e.Phase == event.Sick && e.PID != 0 && e.TS.After(sick.TS)
	})
}

func TestCommandNotFoundFailsAtOnce(t *testing.T) {
	t.Parallel()
	s, rec := newSupervisor(t)
	began := time.Now()
	err := s.Start(ctxFor(t, 20*time.Second), Spec{Name: "api", Command: "no-such-program-crispify --serve"})
	if err == nil || !strings.Contains(err.Error(), "command not found") || !strings.Contains(err.Error(), "not found") {
		t.Fatalf("start: want command not found, got %v", err)
	}
	if !strings.Contains(err.Error(), "or fix the service's run: in the manifest") {
		t.Errorf("the hint does not say to fix run:\n%v", err)
	}
	if took := time.Since(began); took > 2*time.Second {
		t.Errorf("took %v to fail, want at once", took)
	}
	var f *Failure
	if !errors.As(err, &f) || len(f.Lines) == 0 || !strings.Contains(f.Lines[0], "no-such-program-crispify") {
		t.Errorf("failure without sh's own message: %#v", f)
	}
	time.Sleep(1500 * time.Millisecond) // a restart would have come by now
	if n := rec.count(phase("api", event.Starting)); n != 1 {
		t.Errorf("started %d times, want once", n)
	}
}

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

func TestReplicas(t *testing.T) {
	t.Parallel()
	s, rec := newSupervisor(t)
	spec := Spec{Name: "consumer", Command: workerCmd("-env", "CRISPIFY_REPLICA"), Replicas: 2}
	if err := s.Start(ctxFor(t, 20*time.Second), spec); err != nil {
		t.Fatal(err)
	}
	st := s.Status()[0]
	if len(st.PIDs) != 2 || st.PIDs[0] == st.PIDs[1] || st.State != event.Ready {
		t.Errorf("status: %+v", st)
	}
	for _, want := range []string{"[0] CRISPIFY_REPLICA=0", "[1] CRISPIFY_REPLICA=1"} {
		rec.waitFor(t, time.Second, want, func(e event.Event) bool { return e.Line == want })
	}
	if n := rec.count(phase("consumer", event.Ready)); n != 1 {
		t.Errorf("%d ready events, want one when both are:\n%s", n, dump(rec.states()))
	}
	if err := s.Stop(ctxFor(t, 20*time.Second), "consumer"); err != nil {
		t.Fatal(err)
	}
	log, err := os.ReadFile(LogPath(s.stateDir, "consumer"))
	if err != nil || !strings.Contains(string(log), "[1] CRISPIFY_REPLICA=1\n") {
		t.Errorf("log file: %q, %v", log, err)
	}
}

func TestLogFileRotates(t *testing.T) {
	t.Parallel()
	s, rec := newSupervisor(t)
	s.logMax = 2000
	if err := s.Start(ctxFor(t, 20*time.Second), Spec{Name: "chatty", Command: workerCmd("-spam", "300")}); err != nil {
		t.Fatal(err)
	}
	rec.waitFor(t, 5*time.Second, "the last line", func(e event.Event) bool { return strings.HasPrefix(e.Line, "0299 ") })
	if err := s.Stop(ctxFor(t, 20*time.Second), "chatty"); err != nil {
		t.Fatal(err)
	}
	path := LogPath(s.stateDir, "chatty")
	for _, suffix := range []string{"", ".1", ".2", ".3"} {
		fi, err := os.Stat(path + suffix)
		if err != nil {
			t.Errorf("%s: %v", path+suffix, err)
			continue
		}
		if fi.Size() > 2000 {
			t.Errorf("%s is %d bytes, over the rotation size", path+suffix, fi.Size())
		}
	}
	if _, err := os.Stat(path + ".4"); err == nil {
		t.Errorf("%s.4 kept; want 3 rotated files", path)
	}
	last, _ := os.ReadFile(path)
	if !strings.Contains(string(last), "0299 ") {
		t.Errorf("the live log lacks the last line: %q", last)
	}
}

// A start given a reason says it once up, as a restart says its own; so
// does a restart by hand of a worker that was not running.
func TestStartSaysWhy(t *testing.T) {
	t.Parallel()
	s, rec := newSupervisor(t)
	if err := s.Start(ctxFor(t, 20*time.Second), Spec{Name: "api", Command: workerCmd(), Why: "it was not running"}); err != nil {
		t.Fatal(err)
	}
	states := rec.states()
	if last := states[len(states)-1]; last.Phase != event.Ready || last.Msg != "started: it was not running" || last.PID == 0 {
		t.Errorf("last event of a start: %+v", last)
	}
	if err := s.Stop(ctxFor(t, 20*time.Second), "api"); err != nil {
		t.Fatal(err)
	}
	if err := s.Restart(ctxFor(t, 20*time.Second), "api"); err != nil {
		t.Fatal(err)
	}
	states = rec.states()
	if last := states[len(states)-1]; last.Phase != event.Ready || last.Msg != "started: by hand" {
		t.Errorf("last event of a restart of a stopped worker: %+v", last)
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

func TestStartTwiceIsRefused(t *testing.T) {
	t.Parallel()
	s, _ := newSupervisor(t)
	spec := Spec{Name: "api", Command: workerCmd()}
	if err := s.Start(ctxFor(t, 20*time.Second), spec); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(ctxFor(t, 20*time.Second), spec); err == nil || !strings.Contains(err.Error(), "already running") {
		t.Errorf("second start: %v", err)
	}
}

func TestEnvironmentReachesTheWorker(t *testing.T) {
	t.Parallel()
	s, rec := newSupervisor(t)
	env, err := Environment([]string{"PATH=" + os.Getenv("PATH"), "HOME=/home/dev"}, map[string]string{"CRISPIFY_HOST": "10.0.0.5"}, "",
		map[string]string{"AMQP_URL": "amqp://${CRISPIFY_HOST}:5672"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(ctxFor(t, 20*time.Second), Spec{Name: "api", Command: workerCmd("-env", "AMQP_URL,HOME"), Env: env}); err != nil {
		t.Fatal(err)
	}
	rec.waitFor(t, time.Second, "AMQP_URL", func(e event.Event) bool { return e.Line == "AMQP_URL=amqp://10.0.0.5:5672" })
	rec.waitFor(t, time.Second, "HOME", func(e event.Event) bool { return e.Line == "HOME=/home/dev" })
}
