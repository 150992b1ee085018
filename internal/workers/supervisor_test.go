//go:build unix

package workers

import (
	"errors"
	"fmt"
	"os"
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
