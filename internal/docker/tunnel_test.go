package docker

import (
	"context"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/crispify/crispify/internal/event"
)

// The tunnels' tests run a fake ssh: this test binary, called as `ssh`
// through a script first on PATH, listening on each -L's local end until
// it is killed. Each connection it accepts is closed at once, as ssh does
// when nothing listens at the far end, or, with CRISPIFY_FAKE_SSH_TO set,
// carried to that address. What the real ssh does is covered by the e2e
// tests.
func TestMain(m *testing.M) {
	if os.Getenv("CRISPIFY_FAKE_SSH") != "" {
		fakeSSH(os.Args[1:])
		return
	}
	os.Exit(m.Run())
}

func fakeSSH(args []string) {
	for i, a := range args {
		if a != "-L" || i+1 >= len(args) {
			continue
		}
		parts := strings.Split(args[i+1], ":")
		l, err := net.Listen("tcp", net.JoinHostPort(parts[0], parts[1]))
		if err != nil {
			os.Stderr.WriteString("bind [" + parts[0] + "]:" + parts[1] + ": Address already in use\nCould not request local forwarding.\n")
			os.Exit(255)
		}
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				go carry(c, os.Getenv("CRISPIFY_FAKE_SSH_TO"))
			}
		}()
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM)
	<-sig
	os.Exit(0)
}

// carry copies a connection to and from addr; with no addr, or none
// listening there, it closes it.
func carry(c net.Conn, addr string) {
	defer c.Close()
	if addr == "" {
		return
	}
	far, err := net.Dial("tcp", addr)
	if err != nil {
		return
	}
	defer far.Close()
	go func() {
		io.Copy(far, c)
		far.(*net.TCPConn).CloseWrite()
	}()
	io.Copy(c, far)
}

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

func fakeSSHOnPath(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	script := "#!/bin/sh\nCRISPIFY_FAKE_SSH=1 exec " + self + " \"$@\"\n"
	if err := os.WriteFile(filepath.Join(dir, "ssh"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
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
	tunnels := NewTunnels(Endpoint{Host: "ssh://dev@buildbox"}, state, rec)
	port := freeLocalPort(t)
	fw := []Forward{{LocalIP: "127.0.0.1", Port: port}}
	if err := tunnels.Open(context.Background(), "redis", fw); err != nil {
		t.Fatal(err)
	}
	first := tunnels.States()[0]
	if first.State != TunnelUp || first.PID == 0 {
		t.Fatalf("state %+v, want up with its ssh's pid", first)
	}
	if got := readTunnelStates(state, "ssh://dev@buildbox")["redis"]; got.State != TunnelUp {
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
	if processRuns(last) {
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
	tunnels := NewTunnels(Endpoint{Host: "ssh://dev@buildbox"}, t.TempDir(), rec)
	defer tunnels.Close()
	go tunnels.Open(context.Background(), "redis", []Forward{{LocalIP: "127.0.0.1", Port: port}})
	if !within(5*time.Second, func() bool { return strings.Contains(rec.msgs(), "Address already in use") }) {
		t.Fatalf("no event says the port is taken:\n%s", rec.msgs())
	}
	if !strings.Contains(rec.msgs(), "bind [127.0.0.1]:"+strconv.Itoa(port)) {
		t.Errorf("the port is not named:\n%s", rec.msgs())
	}
}

func TestNoTunnelsForEnginesThatNeedNone(t *testing.T) {
	for _, host := range []string{"unix:///var/run/docker.sock", "tcp://10.0.0.5:2376", "ssh://dev@localhost"} {
		if NewTunnels(Endpoint{Host: host}, t.TempDir(), nil) != nil {
			t.Errorf("%s got tunnels", host)
		}
	}
	var none *Tunnels
	if none.Close() != nil || none.Holds("x", 1) || none.Open(context.Background(), "x", []Forward{{Port: 1}}) != nil {
		t.Error("nil Tunnels must do nothing")
	}
}
