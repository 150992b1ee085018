package workers

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/manifest"
)

// A worker that exits while what it needs is down backs off, up to 30 s;
// RetryNow, when that is back, starts it at once.
func TestRetryNowEndsTheBackoff(t *testing.T) {
	t.Parallel()
	s, rec := newSupervisor(t)
	gate := filepath.Join(t.TempDir(), "redis-up")
	if err := os.WriteFile(gate, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	// Up while the gate exists; exits 1 at once without it, as a worker
	// whose Redis is gone.
	cmd := "test -e " + shellLine(gate) + " || exit 1; exec " + workerCmd()
	if err := s.Start(ctxFor(t, 20*time.Second), Spec{Name: "api", Command: cmd, Restart: manifest.RestartOnFailure}); err != nil {
		t.Fatal(err)
	}
	if woke := s.RetryNow("redis is healthy again", "api"); len(woke) != 0 {
		t.Errorf("RetryNow woke %v, a worker that runs", woke)
	}
	pid := s.Status()[0].PIDs[0]
	if err := syscall.Kill(pid, 0); err != nil {
		t.Fatalf("the worker (pid %d) does not run before the test kills it: %v", pid, err)
	}
	if err := os.Remove(gate); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// Three exits (sick, by then): the next start is 4 s away.
	rec.waitFor(t, 10*time.Second, "a backoff of 4s", func(e event.Event) bool {
		return e.Name == "api" && e.Restarts == 3 && strings.HasSuffix(e.Msg, "in 4s")
	})
	if err := os.WriteFile(gate, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	asked := time.Now()
	if woke := s.RetryNow("redis is healthy again", "api", "mailer"); !slices.Equal(woke, []string{"api"}) {
		t.Fatalf("RetryNow woke %v, want [api]", woke)
	}
	// Started (its row says sick, after three exits in a minute).
	again := rec.waitFor(t, 2*time.Second, "a start at once", func(e event.Event) bool {
		return started("api")(e) && e.TS.After(asked)
	})
	if gap := again.TS.Sub(asked); gap > 500*time.Millisecond {
		t.Errorf("started %v after RetryNow, want at once", gap)
	}
	said := false
	for _, e := range rec.states() {
		said = said || (e.Name == "api" && strings.Contains(e.Msg, "now: redis is healthy again"))
	}
	if !said {
		t.Errorf("no event says why it restarted at once:\n%s", dump(rec.states()))
	}
	// The wake was used: the next exit backs off again.
	pid = s.Status()[0].PIDs[0]
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	next := rec.waitFor(t, 20*time.Second, "a start after the backoff", func(e event.Event) bool {
		return started("api")(e) && e.TS.After(killed)
	})
	if gap := next.TS.Sub(killed); gap < 4*time.Second {
		t.Errorf("started %v after the next exit: a spent RetryNow cut its backoff short", gap)
	}
}

// started matches the event of a worker's process starting, whatever the
// worker's phase.
func started(name string) func(event.Event) bool {
	return func(e event.Event) bool {
		return e.Name == name && !e.IsOutput() && e.PID != 0 && strings.Contains(e.Msg, "pid ")
	}
}
