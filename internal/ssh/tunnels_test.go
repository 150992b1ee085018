package ssh

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/ssh/sshfake"
	"github.com/crispify/crispify/internal/workers"
)

// The tunnels' tests run a fake ssh (package sshfake).
func TestMain(m *testing.M) { sshfake.Main(m) }

type eventLog struct {
	mu  sync.Mutex
	all []event.Event
}

func (e *eventLog) Emit(ev event.Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.all = append(e.all, ev)
}

func (e *eventLog) msgs() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var b strings.Builder
	for _, ev := range e.all {
		b.WriteString(string(ev.Phase) + " " + ev.Tunnel + " " + ev.Msg + "\n")
	}
	return b.String()
}

func fakeSSHOnPath(t *testing.T) { sshfake.OnPath(t, "") }

// buildbox is the target of ssh://dev@buildbox.
func buildbox(t *testing.T) Target {
	t.Helper()
	target, err := ParseTarget("ssh://dev@buildbox")
	if err != nil {
		t.Fatal(err)
	}
	return target
}

func freeLocalPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func within(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return cond()
}

func TestTunnelComesBackAfterItsSSHDiesAndCloseEndsIt(t *testing.T) {
	fakeSSHOnPath(t)
	state := t.TempDir()
	rec := &eventLog{}
	tunnels := NewTunnels(buildbox(t), "ssh://dev@buildbox", state, rec)
	port := freeLocalPort(t)
	fw := []Forward{{LocalIP: "127.0.0.1", Port: port}}
	if err := tunnels.Open(context.Background(), "redis", fw); err != nil {
		t.Fatal(err)
	}
	first := tunnels.States()[0]
	if first.State != TunnelUp || first.PID == 0 {
		t.Fatalf("state %+v, want up with its ssh's pid", first)
	}
	if got := ReadStates(state, "ssh://dev@buildbox")["redis"]; got.State != TunnelUp {
		t.Errorf("state file says %+v", got)
	}
	if !tunnels.Holds("redis", port) || tunnels.Holds("redis", port+1) {
		t.Error("Holds does not tell the tunnel's own port")
	}
	if err := tunnels.Open(context.Background(), "redis", fw); err != nil || tunnels.States()[0].PID != first.PID {
		t.Errorf("a second Open started another ssh: %v, %+v", err, tunnels.States()[0])
	}

	if err := syscall.Kill(first.PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// The state is up a moment before the event that says so is out.
	back := within(5*time.Second, func() bool {
		s := tunnels.States()[0]
		return s.State == TunnelUp && s.PID != first.PID && strings.Contains(rec.msgs(), "tunnel back up after ")
	})
	if !back {
		t.Fatalf("the tunnel did not come back: %+v\n%s", tunnels.States(), rec.msgs())
	}
	msgs := rec.msgs()
	for _, want := range []string{"sick down tunnel down (ssh: the connection ended): reconnecting in 1s", "healthy up tunnel back up after "} {
		if !strings.Contains(msgs, want) {
			t.Errorf("events lack %q:\n%s", want, msgs)
		}
	}

	last := tunnels.States()[0].PID
	if err := tunnels.Close(); err != nil {
		t.Fatal(err)
	}
	if workers.ProcessAlive(last) {
		t.Errorf("ssh %d still runs after Close", last)
	}
	if _, err := os.Stat(filepath.Join(state, tunnelStateName)); !os.IsNotExist(err) {
		t.Errorf("state file left after Close: %v", err)
	}
	if err := tunnels.Open(context.Background(), "redis", fw); err == nil {
		t.Error("Open after Close started a tunnel")
	}
}

func TestTunnelThatCannotListenSaysWhy(t *testing.T) {
	fakeSSHOnPath(t)
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	port := held.Addr().(*net.TCPAddr).Port
	rec := &eventLog{}
	tunnels := NewTunnels(buildbox(t), "ssh://dev@buildbox", t.TempDir(), rec)
	defer tunnels.Close()
	go tunnels.Open(context.Background(), "redis", []Forward{{LocalIP: "127.0.0.1", Port: port}})
	if !within(5*time.Second, func() bool { return strings.Contains(rec.msgs(), "Address already in use") }) {
		t.Fatalf("no event says the port is taken:\n%s", rec.msgs())
	}
	if !strings.Contains(rec.msgs(), "bind [127.0.0.1]:"+strconv.Itoa(port)) {
		t.Errorf("the port is not named:\n%s", rec.msgs())
	}
}

func TestNilTunnelsDoNothing(t *testing.T) {
	var none *Tunnels
	if none.Close() != nil || none.Holds("x", 1) || none.Open(context.Background(), "x", []Forward{{Port: 1}}) != nil {
		t.Error("nil Tunnels must do nothing")
	}
}
