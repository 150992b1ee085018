//go:build unix

package stack

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/lockfile"
	"github.com/crispify/crispify/internal/workers"
)

// fakeHandler is a supervisor with two workers and no processes.
type fakeHandler struct {
	mu        sync.Mutex
	restarted []string
	stopped   []string
	downs     int
	applied   []Request
	watched   []string
}

func (h *fakeHandler) events(ctx context.Context, send func(event.Event) error) error {
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

func (h *fakeHandler) status() []workers.Status {
	two := 2
	return []workers.Status{
		{Name: "api", State: event.Ready, PIDs: []int{100}},
		{Name: "mailer", State: event.Sick, Restarts: 3, LastExit: &two},
	}
}

func (h *fakeHandler) apply(ctx context.Context, req Request, send func(event.Event) error) (Result, error) {
	h.mu.Lock()
	h.applied = append(h.applied, req)
	h.mu.Unlock()
	restarted := event.Event{Kind: event.Worker, Name: "api", Phase: event.Ready, Msg: "restarted: 3 new commits"}
	send(event.Event{Kind: event.Worker, Name: "api", Phase: event.Restarting, Msg: "3 new commits"})
	send(restarted)
	if slices.Contains(req.Names, "broken") {
		return Result{Usage: true}, errors.New("unknown service broken")
	}
	return Result{Settled: []event.Event{restarted}}, nil
}

func (h *fakeHandler) stop(ctx context.Context, kind event.Kind, names []string) error {
	return h.record(&h.stopped, "stop", names)
}

func (h *fakeHandler) restart(ctx context.Context, kind event.Kind, names []string) error {
	return h.record(&h.restarted, "restart", names)
}

func (h *fakeHandler) record(into *[]string, verb string, names []string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, n := range names {
		if n != "api" && n != "mailer" {
			return fmt.Errorf("%s %s: no such worker", verb, n)
		}
	}
	*into = append(*into, names...)
	return nil
}

func (h *fakeHandler) watchNames(ctx context.Context, names []string, on bool) error {
	return h.record(&h.watched, fmt.Sprint("watch ", on), names)
}

func (h *fakeHandler) inTerminal() bool { return false }

func (h *fakeHandler) down(ctx context.Context) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.downs++
	return nil
}

// shortFiles are state files whose socket path fits sun_path even where
// TMPDIR is long.
func shortFiles(t *testing.T) files {
	dir, err := os.MkdirTemp("", "cs")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return files{dir: dir, project: "p"}
}

// serveFake serves h on f, holding f's lock as a supervisor does.
func serveFake(t *testing.T, f files, h handler) <-chan error {
	t.Helper()
	release, err := lockfile.TryLock(f.lock())
	if err != nil {
		t.Fatal(err)
	}
	ln, err := listen(f)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		err := serveOn(context.Background(), ln, f, h, func() {})
		release()
		done <- err
	}()
	return done
}

func ctxFor(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func TestProtocolRoundTrip(t *testing.T) {
	t.Parallel()
	f := shortFiles(t)
	h := &fakeHandler{}
	served := serveFake(t, f, h)
	ctx := ctxFor(t, 20*time.Second)

	c, err := dial(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	if c.PID() != os.Getpid() {
		t.Errorf("client says pid %d", c.PID())
	}
	if b, err := os.ReadFile(f.pid()); err != nil || strings.TrimSpace(string(b)) != strconv.Itoa(os.Getpid()) {
		t.Errorf("pid file: %q, %v", b, err)
	}
	if fi, err := os.Stat(f.socket()); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("socket: %v, %v", fi.Mode(), err)
	}

	st, err := c.Status(ctx)
	if err != nil || len(st) != 2 || st[1].Name != "mailer" || st[1].State != event.Sick || *st[1].LastExit != 2 || st[0].PIDs[0] != 100 {
		t.Errorf("status: %+v, %v", st, err)
	}
	if err := c.Restart(ctx, "", "api"); err != nil {
		t.Errorf("restart: %v", err)
	}
	if err := c.Restart(ctx, "", "nope"); err == nil || !strings.Contains(err.Error(), "no such worker") {
		t.Errorf("restart of an unknown worker: %v", err)
	}
	if err := c.Stop(ctx, "", "mailer"); err != nil {
		t.Errorf("stop one worker: %v", err)
	}
	if err := c.Watch(ctx, true, "api"); err != nil || !slices.Equal(h.watched, []string{"api"}) {
		t.Errorf("watch: %v, %q", err, h.watched)
	}
	h.mu.Lock()
	if !slices.Equal(h.restarted, []string{"api"}) || !slices.Equal(h.stopped, []string{"mailer"}) {
		t.Errorf("restarted %q, stopped %q", h.restarted, h.stopped)
	}
	h.mu.Unlock()

	// An apply streams its events, then its result.
	var got []string
	res, err := c.Apply(ctx, Request{Mode: Remote, Names: []string{"api"}, Env: []string{"A=1"}}, func(e event.Event) { got = append(got, string(e.Phase)+" "+e.Msg) })
	if err != nil || len(res.Settled) != 1 || res.Settled[0].Msg != "restarted: 3 new commits" {
		t.Errorf("apply: %+v, %v", res, err)
	}
	if !slices.Equal(got, []string{"restarting 3 new commits", "ready restarted: 3 new commits"}) {
		t.Errorf("apply's events: %q", got)
	}
	if h.applied[0].Mode != Remote || h.applied[0].Env[0] != "A=1" {
		t.Errorf("the supervisor got %+v", h.applied[0])
	}
	// A failed apply carries its error and whether it was a usage error.
	res, err = c.Apply(ctx, Request{Names: []string{"broken"}}, func(event.Event) {})
	if err == nil || !strings.Contains(err.Error(), "unknown service broken") || !res.Usage {
		t.Errorf("failed apply: %+v, %v", res, err)
	}

	// Events: the replay arrives; cancelling ends the stream.
	ectx, cancel := context.WithCancel(ctx)
	var events []event.Event
	err = c.Events(ectx, func(e event.Event) {
		events = append(events, e)
		if len(events) == 3 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) || len(events) != 3 || events[1].Name != "mailer" || events[2].Line != "GET /health 200" {
		t.Errorf("events: %+v, %v", events, err)
	}

	// A follower sees the stream end when the supervisor stops.
	followed := make(chan error, 1)
	go func() { followed <- c.Events(ctx, func(event.Event) {}) }()
	time.Sleep(100 * time.Millisecond)
	if err := c.Down(ctx); err != nil {
		t.Fatalf("down: %v", err)
	}
	if err := <-served; err != nil {
		t.Errorf("serving returned %v after a down", err)
	}
	if err := <-followed; err != nil {
		t.Errorf("events after the supervisor stopped: %v", err)
	}
	if h.downs != 1 {
		t.Errorf("down %d times", h.downs)
	}
	for _, p := range []string{f.socket(), f.pid()} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s left after the supervisor: %v", p, err)
		}
	}
	if _, err := dial(ctx, f); !errors.Is(err, ErrNotRunning) {
		t.Errorf("dial after down: %v", err)
	}
}

// deadPID returns the pid of a process that has exited.
func deadPID(t *testing.T) int {
	c := exec.Command("true")
	if err := c.Run(); err != nil {
		t.Fatal(err)
	}
	return c.Process.Pid
}

// staleSocket leaves the files of a supervisor that died. The socket is a
// file nobody listens on; it is not made by listening and closing, since a
// process forked meanwhile by a parallel test would hold the listener open
// until it execs.
func staleSocket(t *testing.T, f files) {
	t.Helper()
	if err := os.WriteFile(f.socket(), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(f.pid(), []byte(strconv.Itoa(deadPID(t))+"\n"), 0o644)
}

func TestDialCleansTheFilesOfADeadSupervisor(t *testing.T) {
	t.Parallel()
	f := shortFiles(t)
	staleSocket(t, f) // as a killed supervisor leaves them
	if _, err := dial(context.Background(), f); !errors.Is(err, ErrNotRunning) {
		t.Fatalf("dial: want ErrNotRunning, got %v", err)
	}
	for _, p := range []string{f.socket(), f.pid()} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("stale %s not removed: %v", p, err)
		}
	}
	// A new supervisor takes the place over.
	staleSocket(t, f)
	served := serveFake(t, f, &fakeHandler{})
	c, err := dial(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Down(ctxFor(t, 10*time.Second)); err != nil {
		t.Fatal(err)
	}
	<-served
}

// A status polled while another terminal's supervisor starts must not
// delete its files: it holds the lock, and has not bound its socket yet.
func TestDialLeavesTheFilesOfAStartingSupervisor(t *testing.T) {
	t.Parallel()
	f := shortFiles(t)
	release, err := lockfile.TryLock(f.lock())
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	if err := f.writePID(); err != nil {
		t.Fatal(err)
	}
	staleSocket(t, f) // an old socket file, not yet replaced
	os.WriteFile(f.pid(), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644)
	for range 3 {
		if _, err := dial(context.Background(), f); !errors.Is(err, ErrNotRunning) {
			t.Fatalf("dial: %v", err)
		}
	}
	for _, p := range []string{f.socket(), f.pid()} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s of a supervisor holding the lock was removed: %v", p, err)
		}
	}
}

func TestSupervisorsOfTwoProjectsInOneWorkspaceStayApart(t *testing.T) {
	t.Parallel()
	a := shortFiles(t)
	b := files{dir: a.dir, project: "other"}
	servedA := serveFake(t, a, &fakeHandler{})
	if _, err := dial(context.Background(), b); !errors.Is(err, ErrNotRunning) {
		t.Errorf("project other dials project p's supervisor: %v", err)
	}
	servedB := serveFake(t, b, &fakeHandler{})
	cb, err := dial(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	if err := cb.Down(ctxFor(t, 10*time.Second)); err != nil {
		t.Fatal(err)
	}
	<-servedB
	ca, err := dial(context.Background(), a)
	if err != nil {
		t.Fatalf("project p's supervisor went with other's: %v", err)
	}
	ca.Down(ctxFor(t, 10*time.Second))
	<-servedA
}

func TestDialWithoutSupervisor(t *testing.T) {
	if _, err := dial(context.Background(), shortFiles(t)); !errors.Is(err, ErrNotRunning) {
		t.Errorf("got %v", err)
	}
}

// A client that cleans a dead supervisor's files holds the lock for an
// instant: a supervisor starting then waits for it, rather than taking it
// for one that runs.
func TestTheLockOfACleaningClientIsWaitedFor(t *testing.T) {
	t.Parallel()
	f := shortFiles(t)
	hold, err := lockfile.TryLock(f.lock())
	if err != nil {
		t.Fatal(err)
	}
	time.AfterFunc(200*time.Millisecond, hold)
	release, err := takeLock(ctxFor(t, 10*time.Second), f)
	if err != nil {
		t.Fatalf("the lock of a cleaning client: %v", err)
	}
	release()
	// A supervisor that answers keeps it: ErrRunning, at once.
	served := serveFake(t, f, &fakeHandler{})
	began := time.Now()
	if _, err := takeLock(ctxFor(t, 10*time.Second), f); !errors.Is(err, ErrRunning) || time.Since(began) > time.Second {
		t.Errorf("with a supervisor running: %v after %v", err, time.Since(began))
	}
	c, _ := dial(context.Background(), f)
	c.Down(ctxFor(t, 10*time.Second))
	<-served
}
