//go:build unix

package stack

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/lockfile"
	"github.com/crispify/crispify/internal/manifest"
	tracing "github.com/crispify/crispify/internal/trace"
)

// fakeSocket listens on f's socket as a supervisor that answers wrongly
// would, holding f's lock and with its pid file: answer is what it does
// with each connection.
func fakeSocket(t *testing.T, f files, answer func(net.Conn)) {
	t.Helper()
	fakeSocketRaw(t, f, func(conn net.Conn) {
		bufio.NewReader(conn).ReadString('\n')
		answer(conn)
	})
}

// fakeSocketRaw is fakeSocket with the request left to answer to read.
func fakeSocketRaw(t *testing.T, f files, answer func(net.Conn)) {
	t.Helper()
	release, err := lockfile.TryLock(f.lock())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(release)
	ln, err := listen(f)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				answer(conn)
			}()
		}
	}()
}

// endless writes a line that never ends, until the reader hangs up.
func endless(conn net.Conn) {
	chunk := []byte(strings.Repeat("a", 64<<10))
	for {
		if _, err := conn.Write(chunk); err != nil {
			return
		}
	}
}

func TestASupervisorThatAnswersWronglyIsNamedNotTakenForNone(t *testing.T) {
	cases := []struct {
		name   string
		answer func(net.Conn)
		want   string
	}{
		{"garbage", func(c net.Conn) { c.Write([]byte("HTTP/1.1 400 Bad Request\r\n\r\n")) }, "not crispify's protocol"},
		{"silent", func(c net.Conn) { time.Sleep(2 * dialTimeout) }, "does not answer within 5s"},
		{"endless line", endless, "more than 4 MiB"},
		{"json without pid", func(c net.Conn) { c.Write([]byte("{}\n")) }, "without its pid"},
		{"hangs up", func(net.Conn) {}, "hung up without answering"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := shortFiles(t)
			fakeSocket(t, f, tc.answer)
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := dial(ctxFor(t, 20*time.Second), f)
			var after runtime.MemStats
			runtime.ReadMemStats(&after)
			var se *SupervisorError
			if !errors.As(err, &se) || errors.Is(err, ErrNotRunning) {
				t.Fatalf("dial = %v, want a SupervisorError", err)
			}
			if se.PID != os.Getpid() || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "pid ") {
				t.Errorf("error = %q (pid %d), want %q and this process's pid", err, se.PID, tc.want)
			}
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
				t.Errorf("reading the answer allocated %d MiB", grew>>20)
			}
		})
	}
}

func TestStatusSaysWorkersAreUnknownWhenTheSupervisorDoesNotAnswer(t *testing.T) {
	t.Parallel()
	ws, err := os.MkdirTemp("", "cs")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(ws) })
	m := &manifest.Manifest{Project: "p", WorkspaceDir: ws, Services: map[string]*manifest.Service{
		"sig": {Name: "sig", Run: "./worker"},
	}}
	st := &Stack{Manifest: m}
	if err := os.MkdirAll(m.StateDir(), 0o755); err != nil {
		t.Fatal(err)
	}
	fakeSocket(t, filesOf(m), func(c net.Conn) { c.Write([]byte("garbage\n")) })
	rows, ok, err := st.workerRows(context.Background())
	if ok || err == nil || len(rows) != 1 {
		t.Fatalf("rows %+v, ok %v, err %v", rows, ok, err)
	}
	if r := rows[0]; r.State != StateUnknown || strings.Contains(r.Detail, "not running") || !strings.Contains(r.Detail, "supervisor (pid ") {
		t.Errorf("the worker's row: %+v", r)
	}
}

func TestDownOfASupervisorWhoseLockNoOneHoldsLeavesItAlone(t *testing.T) {
	t.Parallel()
	f := shortFiles(t)
	ln, err := listen(f) // a listener, and no lock: not a supervisor
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("nonsense\n"))
			c.Close()
		}
	}()
	_, err = dial(context.Background(), f)
	var se *SupervisorError
	if !errors.As(err, &se) {
		t.Fatalf("dial = %v", err)
	}
	said, err := endUnanswered(f, se)
	if err == nil || !strings.Contains(err.Error(), "not crispify's supervisor") || said != "no supervisor runs" {
		t.Errorf("said %q, err %v", said, err)
	}
}

// tracingHandler traces in its apply, as git and Docker calls do.
type tracingHandler struct{ fakeHandler }

func (h *tracingHandler) apply(ctx context.Context, req Request, send func(event.Event) error) (Result, error) {
	tracing.From(ctx).Printf("git fetch in /ws/api")
	return Result{}, nil
}

func TestAnApplyOfAVerboseClientSendsItsTrace(t *testing.T) {
	t.Parallel()
	f := shortFiles(t)
	served := serveFake(t, f, &tracingHandler{})
	ctx := ctxFor(t, 20*time.Second)
	c, err := dial(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	var quiet, verbose bytes.Buffer
	if _, err := c.Apply(ctx, Request{}, func(event.Event) {}); err != nil || quiet.Len() != 0 {
		t.Fatalf("apply without -v: %v, %q", err, quiet.String())
	}
	traced := tracing.With(ctx, tracing.New(&verbose))
	if _, err := c.Apply(traced, Request{}, func(event.Event) {}); err != nil {
		t.Fatal(err)
	}
	if got := verbose.String(); !strings.HasPrefix(got, "crispify -v ") || !strings.HasSuffix(got, " git fetch in /ws/api\n") {
		t.Errorf("the client's trace: %q", got)
	}
	c.Down(ctx)
	<-served
}

func TestASupervisorThatExitedCleanlyBeforeItWasUpSaysItWasStopped(t *testing.T) {
	if got := exitedHow(nil); strings.Contains(got, "nil") || !strings.Contains(got, "stopped") {
		t.Errorf("exitedHow(nil) = %q", got)
	}
	if got := exitedHow(errors.New("exit status 1")); got != "exit status 1" {
		t.Errorf("exitedHow(exit 1) = %q", got)
	}
}

func TestRecordsLeadBackToAStackAndGoWithIt(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	ws := t.TempDir()
	m := &manifest.Manifest{Project: "p", WorkspaceDir: ws}
	f := filesOf(m)
	os.MkdirAll(f.dir, 0o755)
	release, err := lockfile.TryLock(f.lock()) // a supervisor runs
	if err != nil {
		t.Fatal(err)
	}
	if err := writeRecord(f, "/x/crispify.yaml"); err != nil {
		t.Fatal(err)
	}
	// A record a killed supervisor left, its workspace gone.
	gone := files{dir: filepath.Join(t.TempDir(), "gone", ".crispify"), project: "q"}
	writeRecord(gone, "/y/crispify.yaml")

	stacks := RecordedFor("/x/crispify.yaml", nil)
	if len(stacks) != 1 || stacks[0].Manifest.Project != "p" || stacks[0].Manifest.WorkspaceDir != ws || !stacks[0].IsRecorded() {
		t.Fatalf("recorded stacks: %+v", stacks)
	}
	if _, err := os.Stat(gone.record()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the record of a gone supervisor was kept: %v", err)
	}
	if _, err := os.Stat(f.record()); err != nil {
		t.Errorf("the record of a live supervisor was removed: %v", err)
	}
	release() // the supervisor stops; a teardown finds none and removes its record
	if _, err := stacks[0].stopWorkers(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(f.record()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("decrispify left the record: %v", err)
	}
}
