//go:build unix

package workers

import (
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/manifest"
)

// listenOn makes this test process hold port, as a worker of another name
// or a server started by hand would.
func listenOn(t *testing.T, port int) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
}

func TestAPortTakenBeforeTheStartFailsItNamingTheHolder(t *testing.T) {
	t.Parallel()
	s, rec := newSupervisor(t)
	port := freePort(t)
	listenOn(t, port)
	began := time.Now()
	err := s.Start(ctxFor(t, 20*time.Second), Spec{Name: "c", Command: workerCmd("-listen", strconv.Itoa(port)), Ready: &manifest.Ready{TCP: port}})
	var f *Failure
	if !errors.As(err, &f) || !strings.Contains(err.Error(), fmt.Sprintf("port %d", port)) || !strings.Contains(err.Error(), "taken by") {
		t.Fatalf("start on a taken port: %v", err)
	}
	if runtime.GOOS == "linux" && !strings.Contains(err.Error(), fmt.Sprintf("(pid %d)", os.Getpid())) {
		t.Errorf("the failure does not name the holder, this test (pid %d): %v", os.Getpid(), err)
	}
	if took := time.Since(began); took > 3*time.Second {
		t.Errorf("failed after %v: a taken port is known at once", took)
	}
	rec.waitFor(t, time.Second, "failed", phase("c", event.Failed))
	if n := rec.count(phase("c", event.Starting)); n != 0 {
		t.Errorf("a process was started on a taken port (%d starting events)", n)
	}
}

func TestAnAnswerFromAnotherProcessIsNotReadiness(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("only Linux tells who listens on a port")
	}
	t.Parallel()
	s, _ := newSupervisor(t)
	port := freePort(t)
	// The worker never listens; the port starts answering from this test
	// once the worker runs: the old worker of a renamed service, say.
	time.AfterFunc(300*time.Millisecond, func() { listenOn(t, port) })
	err := s.Start(ctxFor(t, 20*time.Second), Spec{Name: "c", Command: workerCmd(), Ready: &manifest.Ready{TCP: port, Timeout: manifest.Duration(2 * time.Second)}})
	if err == nil {
		t.Fatal("the worker was ready on another process's answer")
	}
	want := fmt.Sprintf("port %d answers, but from process", port)
	if !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), fmt.Sprintf("(pid %d)", os.Getpid())) {
		t.Errorf("the failure does not say who answered (%q):\n%v", want, err)
	}
}

func TestOwnProcessesIncludeADescendantThatLeftTheGroup(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("Linux only")
	}
	t.Parallel()
	s, rec := newSupervisor(t)
	port := freePort(t)
	// setsid puts the listener in a session and group of its own: it is
	// still the worker's, being its child.
	cmd := "setsid " + workerCmd("-listen", strconv.Itoa(port)) + "; sleep 60"
	if err := s.Start(ctxFor(t, 20*time.Second), Spec{Name: "d", Command: cmd, Ready: &manifest.Ready{TCP: port, Timeout: manifest.Duration(10 * time.Second)}}); err != nil {
		t.Fatalf("a worker whose listener left its group: %v", err)
	}
	// Stopping a worker does not reach what left its group: end it here.
	line := rec.waitFor(t, 5*time.Second, "the listener's pid", func(e event.Event) bool { return strings.HasPrefix(e.Line, "pid=") })
	if pid, err := strconv.Atoi(strings.TrimPrefix(line.Line, "pid=")); err == nil {
		t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL) })
	}
}
