//go:build unix

package workers

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crispify/crispify/internal/event"
)

// The test binary plays three parts: the tests; the watchdog, when its
// first argument is WatchdogArg (as crispify's binary does, so the
// Supervisor's default watchdog command works in tests); and a crispify
// that starts a worker and waits to be killed, when helperEnv is set.
const (
	helperEnv       = "CRISPIFY_WORKERS_TEST_HELPER"
	helperStateEnv  = "CRISPIFY_WORKERS_TEST_STATE"
	helperWorkerEnv = "CRISPIFY_WORKERS_TEST_WORKER"
	// helperRunEnv, when set, is the worker's run: instead, ready when it
	// prints "up"; helperTrackerEnv names the tracker to force (trackers).
	helperRunEnv     = "CRISPIFY_WORKERS_TEST_RUN"
	helperTrackerEnv = "CRISPIFY_WORKERS_TEST_TRACKER"
)

// workerBin is fixtures/worker, built once by TestMain.
var workerBin string

func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == WatchdogArg {
		if err := RunWatchdog(os.Stdin); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	if os.Getenv(helperEnv) != "" {
		os.Exit(runHelper())
	}
	dir, err := os.MkdirTemp("", "crispify-workers-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	workerBin = filepath.Join(dir, "worker")
	build := exec.Command("go", "build", "-o", workerBin, "../../fixtures/worker")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build fixtures/worker: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// runHelper is a crispify about to be killed: it starts a worker with a
// grandchild, prints their pids, and waits.
func runHelper() int {
	var out sync.Mutex
	sink := event.SinkFunc(func(e event.Event) {
		for prefix, word := range map[string]string{"child=": "grandchild", "escaped=": "escaped"} {
			if strings.HasPrefix(e.Line, prefix) {
				out.Lock()
				fmt.Println(word, strings.TrimPrefix(e.Line, prefix))
				out.Unlock()
			}
		}
	})
	s, err := New(Options{StateDir: os.Getenv(helperStateEnv), Sink: sink})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if name := os.Getenv(helperTrackerEnv); name != "" {
		s.tracker = forcedTracker(name)
		if s.tracker == nil {
			fmt.Fprintf(os.Stderr, "no tracker %q here\n", name)
			return 1
		}
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CRISPIFY_WORKERS_TEST_") {
			env = append(env, kv)
		}
	}
	spec := Spec{Name: "orphan", Command: shellLine(os.Getenv(helperWorkerEnv), "-child"), Env: env, Ready: readyLog("^child=")}
	if run := os.Getenv(helperRunEnv); run != "" {
		spec.Command, spec.Ready = run, readyLog("^up$")
	}
	if err := s.Start(context.Background(), spec); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	out.Lock()
	fmt.Printf("pid %d\n", s.Status()[0].PIDs[0])
	out.Unlock()
	for {
		time.Sleep(time.Hour)
	}
}

// recorder is a Sink keeping every event.
type recorder struct {
	mu     sync.Mutex
	events []event.Event
}

func (r *recorder) Emit(e event.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

func (r *recorder) all() []event.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]event.Event(nil), r.events...)
}

// states returns the events that are not output.
func (r *recorder) states() []event.Event {
	var out []event.Event
	for _, e := range r.all() {
		if !e.IsOutput() {
			out = append(out, e)
		}
	}
	return out
}

// waitFor waits until an event matches; it fails the test after d.
func (r *recorder) waitFor(t *testing.T, d time.Duration, what string, match func(event.Event) bool) event.Event {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		for _, e := range r.all() {
			if match(e) {
				return e
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no event %s within %v; got:\n%s", what, d, dump(r.all()))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (r *recorder) count(match func(event.Event) bool) int {
	n := 0
	for _, e := range r.all() {
		if match(e) {
			n++
		}
	}
	return n
}

func dump(events []event.Event) string {
	var b strings.Builder
	for _, e := range events {
		fmt.Fprintf(&b, "  %s %s %s %s pid=%d restarts=%d", e.TS.Format("15:04:05.000"), e.Kind, e.Name, e.Phase, e.PID, e.Restarts)
		if e.ExitCode != nil {
			fmt.Fprintf(&b, " exit=%d", *e.ExitCode)
		}
		if e.Msg != "" {
			fmt.Fprintf(&b, " msg=%q", e.Msg)
		}
		if e.Line != "" {
			fmt.Fprintf(&b, " line=%q", e.Line)
		}
		if e.Error != "" {
			fmt.Fprintf(&b, " error=%q", firstLine(e.Error))
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func phase(name string, p event.Phase) func(event.Event) bool {
	return func(e event.Event) bool { return e.Name == name && e.Phase == p && !e.IsOutput() }
}

// newSupervisor returns a Supervisor on a fresh state folder, closed when
// the test ends.
func newSupervisor(t *testing.T) (*Supervisor, *recorder) {
	t.Helper()
	rec := &recorder{}
	s, err := New(Options{StateDir: t.TempDir(), Sink: rec})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := s.Close(ctx); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return s, rec
}

// workerCmd returns the shell command running fixtures/worker with args.
func workerCmd(args ...string) string {
	return shellLine(append([]string{workerBin}, args...)...)
}

func shellLine(args ...string) string {
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(quoted, " ")
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func ctxFor(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
