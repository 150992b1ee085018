//go:build unix

package workers

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/crispify/crispify/internal/event"
)

// setupFixture is a repo folder with a lockfile and a setup that counts
// its runs in runs.txt.
func setupFixture(t *testing.T) (stateDir string, s Setup) {
	t.Helper()
	stateDir, repo := t.TempDir(), t.TempDir()
	os.WriteFile(filepath.Join(repo, "package-lock.json"), []byte(`{"v":1}`), 0o644)
	return stateDir, Setup{
		Name: "api", Dir: repo,
		Commands: []string{"echo installing", "echo run >> runs.txt"},
		When:     []string{"package-lock.json"},
	}
}

func runs(t *testing.T, s Setup) int {
	b, _ := os.ReadFile(filepath.Join(s.Dir, "runs.txt"))
	return strings.Count(string(b), "run\n")
}

func TestSetupRunsOnceThenOnlyWhenALockfileChanges(t *testing.T) {
	t.Parallel()
	stateDir, s := setupFixture(t)
	ctx := ctxFor(t, 20*time.Second)
	rec := &recorder{}
	run, err := RunSetup(ctx, stateDir, s, rec)
	if err != nil {
		t.Fatal(err)
	}
	if runs(t, s) != 1 || run != (SetupRun{Ran: true, Why: "first setup here"}) {
		t.Fatalf("setup ran %d times (%+v), want once, the first here", runs(t, s), run)
	}
	rec.waitFor(t, time.Second, "done", phase("api", event.Done))
	rec.waitFor(t, time.Second, "output", func(e event.Event) bool { return e.Kind == event.Setup && e.Line == "installing" })
	// The command goes above its output, each line after its time.
	log, _ := os.ReadFile(LogPath(stateDir, "api"))
	var texts []string
	for _, l := range strings.Split(strings.TrimSpace(string(log)), "\n") {
		if line := ParseLogLine(l); !line.Time.IsZero() {
			texts = append(texts, line.Text)
		}
	}
	if !strings.Contains(strings.Join(texts, "\n"), "$ echo installing\ninstalling") {
		t.Errorf("log file: %q", log)
	}

	rec = &recorder{}
	if run, err := RunSetup(ctx, stateDir, s, rec); err != nil || run.Ran {
		t.Fatal(run, err)
	}
	if runs(t, s) != 1 {
		t.Errorf("setup ran again with nothing changed")
	}
	if st := rec.states(); len(st) != 1 || st[0].Phase != event.Unchanged {
		t.Errorf("second call: want one unchanged event, got\n%s", dump(st))
	}

	// A new mtime with the same content is no change.
	later := time.Now().Add(time.Hour)
	os.Chtimes(filepath.Join(s.Dir, "package-lock.json"), later, later)
	if _, err := RunSetup(ctx, stateDir, s, event.Discard); err != nil || runs(t, s) != 1 {
		t.Errorf("touching the lockfile re-ran setup (runs %d, err %v)", runs(t, s), err)
	}

	// Each re-run says what changed: a restart of the worker says it too.
	os.WriteFile(filepath.Join(s.Dir, "package-lock.json"), []byte(`{"v":2}`), 0o644)
	if run, err := RunSetup(ctx, stateDir, s, event.Discard); err != nil || runs(t, s) != 2 || run.Why != "package-lock.json changed" {
		t.Errorf("a changed lockfile did not re-run setup, saying so (runs %d, %+v, err %v)", runs(t, s), run, err)
	}

	s.Commands = append(s.Commands, "true")
	if run, err := RunSetup(ctx, stateDir, s, event.Discard); err != nil || runs(t, s) != 3 || run.Why != "setup commands changed" {
		t.Errorf("changed commands did not re-run setup, saying so (runs %d, %+v, err %v)", runs(t, s), run, err)
	}

	// A hash file of an older crispify (one line) still decides; the
	// reason is then vaguer.
	hash := readSetupRecord(SetupHashPath(stateDir, "api"))
	os.WriteFile(SetupHashPath(stateDir, "api"), []byte(hash.sum+"\n"), 0o644)
	if run, _ := RunSetup(ctx, stateDir, s, event.Discard); run.Ran {
		t.Errorf("an old-style hash file with the same sum re-ran setup: %+v", run)
	}
	os.WriteFile(SetupHashPath(stateDir, "api"), []byte("0000\n"), 0o644)
	if run, _ := RunSetup(ctx, stateDir, s, event.Discard); !run.Ran || run.Why != "setup_when files or commands changed" {
		t.Errorf("an old-style hash file with another sum: %+v", run)
	}
}

func TestSetupFailureKeepsNoHash(t *testing.T) {
	t.Parallel()
	stateDir, s := setupFixture(t)
	s.Commands = []string{"echo run >> runs.txt", "echo resolving; echo 'npm ERR! 404' >&2; exit 4", "echo never"}
	rec := &recorder{}
	_, err := RunSetup(ctxFor(t, 20*time.Second), stateDir, s, rec)
	var f *Failure
	if !errors.As(err, &f) || f.ExitCode == nil || *f.ExitCode != 4 {
		t.Fatalf("want a failure with exit code 4, got %v", err)
	}
	for _, want := range []string{"setup api", "exit 4", "exited with code 4", "npm ERR! 404", "resolving", "runs setup again next time"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if _, err := os.Stat(SetupHashPath(stateDir, "api")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("hash written after a failure: %v", err)
	}
	failed := rec.waitFor(t, time.Second, "failed", phase("api", event.Failed))
	if failed.Kind != event.Setup || !strings.Contains(failed.Error, "npm ERR! 404") {
		t.Errorf("failed event: %+v", failed)
	}
	for _, e := range rec.all() {
		if e.Line == "never" {
			t.Error("a command after the failing one ran")
		}
	}
	// The next run retries, from the first command.
	s.Commands[1] = "true"
	if _, err := RunSetup(ctxFor(t, 20*time.Second), stateDir, s, event.Discard); err != nil || runs(t, s) != 2 {
		t.Errorf("retry: runs %d, err %v", runs(t, s), err)
	}
}

func TestSetupCancelEndsTheCommand(t *testing.T) {
	t.Parallel()
	stateDir, s := setupFixture(t)
	s.Commands = []string{shellLine(workerBin, "-child", "-print", "installing")}
	ctx, cancel := context.WithCancel(context.Background())
	rec := &recorder{}
	done := make(chan error, 1)
	go func() {
		_, err := RunSetup(ctx, stateDir, s, rec)
		done <- err
	}()
	line := rec.waitFor(t, 5*time.Second, "grandchild", func(e event.Event) bool { return strings.HasPrefix(e.Line, "child=") })
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("want context.Canceled, got %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("setup did not end on cancel")
	}
	if gc := atoiSuffix(line.Line); gc == 0 || processAlive(gc) {
		t.Errorf("grandchild %d survived the cancel", gc)
	}
	if _, err := os.Stat(SetupHashPath(stateDir, "api")); err == nil {
		t.Error("hash written for a cancelled setup")
	}
}

func TestSetupCommandNotFound(t *testing.T) {
	t.Parallel()
	stateDir, s := setupFixture(t)
	s.Commands = []string{"no-such-installer-crispify ci"}
	_, err := RunSetup(ctxFor(t, 20*time.Second), stateDir, s, event.Discard)
	if err == nil || !strings.Contains(err.Error(), "command not found") || !strings.Contains(err.Error(), "no-such-installer-crispify") {
		t.Errorf("got %v", err)
	}
	// The hint names what to fix: the setup, not the run.
	if err != nil && !strings.Contains(err.Error(), "or fix the service's setup: in the manifest") {
		t.Errorf("the hint does not say to fix setup:\n%v", err)
	}
}

func atoiSuffix(s string) int {
	i := strings.LastIndexAny(s, " =")
	n := 0
	for _, c := range s[i+1:] {
		if c < '0' || c > '9' {
			return 0
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// Before runs only when the commands are to run, and its error fails the
// setup before any command starts, recording nothing.
func TestSetupBeforeRunsOnlyWhenTheCommandsDo(t *testing.T) {
	t.Parallel()
	stateDir, s := setupFixture(t)
	ctx := ctxFor(t, 20*time.Second)
	calls := 0
	wrong := errors.New("service api wants node 20, found node 18")
	s.Before = func(context.Context) error { calls++; return wrong }
	rec := &recorder{}
	if run, err := RunSetup(ctx, stateDir, s, rec); !errors.Is(err, wrong) || run.Ran {
		t.Fatalf("RunSetup = %+v, %v; want the Before error, not ran", run, err)
	}
	if calls != 1 || runs(t, s) != 0 {
		t.Fatalf("Before called %d times, commands run %d times; want 1 and 0", calls, runs(t, s))
	}
	rec.waitFor(t, time.Second, "failure", func(e event.Event) bool {
		return e.Kind == event.Setup && e.Phase == event.Failed && strings.Contains(e.Error, "wants node 20")
	})
	if _, err := os.Stat(SetupHashPath(stateDir, "api")); err == nil {
		t.Error("a setup that Before stopped recorded its hash")
	}

	s.Before = func(context.Context) error { calls++; return nil }
	if run, err := RunSetup(ctx, stateDir, s, event.Discard); err != nil || !run.Ran || calls != 2 {
		t.Fatalf("RunSetup = %+v, %v after %d calls; want ran after Before's second call", run, err, calls)
	}
	if _, err := RunSetup(ctx, stateDir, s, event.Discard); err != nil || calls != 2 {
		t.Errorf("an unchanged setup called Before (%d calls, err %v)", calls, err)
	}
}
