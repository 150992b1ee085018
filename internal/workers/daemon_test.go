//go:build unix

package workers

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crispify/crispify/internal/event"
)

// fakeHandler is a daemon with two workers and no processes.
type fakeHandler struct {
	mu         sync.Mutex
	restarted  []string
	stoppedOne []string
	stops      int
}

func (h *fakeHandler) Events(ctx context.Context, send func(event.Event) error) error {
	for _, e := range []event.Event{
		{Kind: event.Worker, Name: "api", Phase: event.Ready, PID: 100},
		{Kind: event.Worker, Name: "mailer", Phase: event.Sick, Restarts: 3},
		{Kind: event.Worker, Name: "api", Phase: event.Ready, Line: "GET /health 200"},
	} {
		if err := send(e); err != nil {
			return err
		}
	}
	<-ctx.Done()
	return nil
}

func (h *fakeHandler) Status() []Status {
	return []Status{
		{Name: "api", State: event.Ready, PIDs: []int{100}},
		{Name: "mailer", State: event.Sick, Restarts: 3, LastExit: intp(2)},
	}
}

func (h *fakeHandler) Stop(ctx context.Context) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.stops++
	return nil
}

func (h *fakeHandler) Restart(ctx context.Context, name string) error {
	if name != "api" && name != "mailer" {
		return fmt.Errorf("restart worker %s: no such worker", name)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.restarted = append(h.restarted, name)
	return nil
}

func (h *fakeHandler) StopWorker(ctx context.Context, name string) error {
	if name != "api" && name != "mailer" {
		return fmt.Errorf("stop worker %s: no such worker", name)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.stoppedOne = append(h.stoppedOne, name)
	return nil
}

// shortStateDir is a state folder whose socket path fits sun_path even
// where TMPDIR is long.
func shortStateDir(t *testing.T) string {
	dir, err := os.MkdirTemp("", "cw")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// serve runs Serve in the background and waits until it answers.
func serve(t *testing.T, dir string, h Handler) <-chan error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- Serve(context.Background(), dir, h) }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, ok := DaemonPID(dir); ok {
			return done
		}
		select {
		case err := <-done:
			t.Fatalf("serve: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("the daemon did not answer within 5s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestDaemonRoundTrip(t *testing.T) {
	t.Parallel()
	dir := shortStateDir(t)
	h := &fakeHandler{}
	served := serve(t, dir, h)
	ctx := ctxFor(t, 20*time.Second)

	c, err := Dial(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if pid, ok := DaemonPID(dir); !ok || pid != os.Getpid() || c.PID() != os.Getpid() {
		t.Errorf("DaemonPID = %d, %v; client says %d", pid, ok, c.PID())
	}
	if b, err := os.ReadFile(PIDPath(dir)); err != nil || strings.TrimSpace(string(b)) != strconv.Itoa(os.Getpid()) {
		t.Errorf("pid file: %q, %v", b, err)
	}
	if fi, err := os.Stat(SocketPath(dir)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("socket: %v, %v", fi.Mode(), err)
	}

	st, err := c.Status(ctx)
	if err != nil || len(st) != 2 || st[1].Name != "mailer" || st[1].State != event.Sick || *st[1].LastExit != 2 || st[0].PIDs[0] != 100 {
		t.Errorf("status: %+v, %v", st, err)
	}

	if err := c.Restart(ctx, "api"); err != nil {
		t.Errorf("restart: %v", err)
	}
	if err := c.Restart(ctx, "nope"); err == nil || !strings.Contains(err.Error(), "no such worker") {
		t.Errorf("restart of an unknown worker: %v", err)
	}
	if err := c.StopWorker(ctx, "mailer"); err != nil {
		t.Errorf("stop one worker: %v", err)
	}
	if err := c.StopWorker(ctx, "nope"); err == nil || !strings.Contains(err.Error(), "no such worker") {
		t.Errorf("stop of an unknown worker: %v", err)
	}
	h.mu.Lock()
	if !slices.Equal(h.restarted, []string{"api"}) {
		t.Errorf("restarted %q", h.restarted)
	}
	if !slices.Equal(h.stoppedOne, []string{"mailer"}) {
		t.Errorf("stopped %q, want mailer alone", h.stoppedOne)
	}
	h.mu.Unlock()

	// Events: the replay arrives; cancelling ends the stream.
	ectx, cancel := context.WithCancel(ctx)
	var got []event.Event
	err = c.Events(ectx, func(e event.Event) {
		got = append(got, e)
		if len(got) == 3 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) || len(got) != 3 || got[1].Name != "mailer" || got[2].Line != "GET /health 200" {
		t.Errorf("events: %+v, %v", got, err)
	}

	// A second daemon is refused while this one serves.
	if err := Serve(ctx, dir, h); !errors.Is(err, ErrDaemonRunning) {
		t.Errorf("second Serve: %v", err)
	}

	// A follower sees the stream end when the daemon stops.
	followed := make(chan error, 1)
	go func() { followed <- c.Events(ctx, func(event.Event) {}) }()
	time.Sleep(100 * time.Millisecond)
	if err := c.Stop(ctx); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if err := <-served; err != nil {
		t.Errorf("Serve returned %v after a stop", err)
	}
	if err := <-followed; err != nil {
		t.Errorf("events after the daemon stopped: %v", err)
	}
	if h.stops != 1 {
		t.Errorf("handler stopped %d times", h.stops)
	}
	for _, f := range []string{SocketPath(dir), PIDPath(dir)} {
		if _, err := os.Stat(f); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s left after the daemon: %v", f, err)
		}
	}
	if _, err := Dial(ctx, dir); !errors.Is(err, ErrNoDaemon) {
		t.Errorf("dial after stop: %v", err)
	}
}

func TestDialCleansAStaleSocket(t *testing.T) {
	t.Parallel()
	dir := shortStateDir(t)
	// A socket file nobody listens on, as a killed daemon leaves it.
	ln, err := net.Listen("unix", SocketPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()
	os.WriteFile(PIDPath(dir), []byte(strconv.Itoa(deadPID(t))+"\n"), 0o644)

	if _, err := Dial(context.Background(), dir); !errors.Is(err, ErrNoDaemon) {
		t.Fatalf("dial: want ErrNoDaemon, got %v", err)
	}
	for _, f := range []string{SocketPath(dir), PIDPath(dir)} {
		if _, err := os.Stat(f); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("stale %s not removed: %v", f, err)
		}
	}
	if _, ok := DaemonPID(dir); ok {
		t.Error("DaemonPID found a daemon")
	}

	// A new daemon takes the place over.
	ln, _ = net.Listen("unix", SocketPath(dir))
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()
	served := serve(t, dir, &fakeHandler{})
	c, err := Dial(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Stop(ctxFor(t, 10*time.Second)); err != nil {
		t.Fatal(err)
	}
	<-served
}

func TestDialWithoutDaemon(t *testing.T) {
	if _, err := Dial(context.Background(), shortStateDir(t)); !errors.Is(err, ErrNoDaemon) {
		t.Errorf("got %v", err)
	}
}

func TestLockDaemon(t *testing.T) {
	dir := shortStateDir(t)
	release, err := LockDaemon(dir)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(PIDPath(dir), []byte("4242\n"), 0o644)
	if _, err := LockDaemon(dir); !errors.Is(err, ErrDaemonRunning) || !strings.Contains(err.Error(), "4242") {
		t.Errorf("second lock: %v", err)
	}
	release()
	release2, err := LockDaemon(dir)
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	release2()
}
