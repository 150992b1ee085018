package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// supervisorLog is the detached supervisor's own log.
func (e *env) supervisorLog() string {
	b, _ := os.ReadFile(e.ws(".crispify", "logs", "supervisor-"+e.project+".log"))
	return string(b)
}

// restartsFor counts the restarts for changes in the supervisor's log.
func (e *env) restartsFor(name string) int {
	n := 0
	for _, l := range strings.Split(e.supervisorLog(), "\n") {
		if strings.Contains(l, " worker ") && strings.Contains(l, " "+name+" ") && strings.Contains(l, "restarted: ") {
			n++
		}
	}
	return n
}

// The inner loop on real files and processes: a change to a watched repo
// restarts exactly its worker; .git and ignored paths restart nothing; a
// checkout-sized burst restarts once; a setup_when change sets up again
// first; a change that breaks the build leaves the worker failed with the
// compiler's words and no loop, and the next good change brings it back.
func TestWatchRestartsWhatChangedAndWaitsOutABrokenBuild(t *testing.T) {
	needEngine(t)
	e := newEnv(t, "watch")
	entry := func(name string) string {
		return "  " + name + ":\n    repo: " + e.workerRepo(name, nil) + `
    setup: ["echo ran >> setup-runs.txt", "go build -o worker ."]
    setup_when: [main.go]
    run: ./worker
    env: {WORKER_SAY: "` + name + ` up"}
    ready: {log: "` + name + ` up"}
`
	}
	e.write(head + "services:\n" + entry("edited") + entry("quiet"))
	e.crispify("-d", "--watch").must(t, 0)
	edited, quiet := e.workerPIDs("edited"), e.workerPIDs("quiet")
	if st := e.status()["worker edited"]; st.State != "ready" {
		t.Fatalf("edited: %+v", st)
	}
	restartedSince := func(before []int) bool {
		now := e.workerPIDs("edited")
		return len(now) == 1 && !slices.Equal(now, before) && e.status()["worker edited"].State == "ready"
	}

	// A file of the repo changes: edited restarts, saying which; quiet
	// keeps its process.
	if err := os.WriteFile(e.ws("edited", "NOTES.md"), []byte("a note\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if !eventually(20*time.Second, func() bool { return restartedSince(edited) }) {
		t.Fatalf("edited did not restart after a change:\n%s", e.supervisorLog())
	}
	if !strings.Contains(e.supervisorLog(), "restarted: NOTES.md changed") {
		t.Errorf("the restart does not name the file:\n%s", e.supervisorLog())
	}
	if got := e.workerPIDs("quiet"); !slices.Equal(got, quiet) {
		t.Errorf("quiet restarted: %v, then %v", quiet, got)
	}
	edited = e.workerPIDs("edited")

	// .git and what .gitignore ignores restart nothing; a real change
	// afterwards does, proving the watcher was listening.
	restarts := e.restartsFor("edited")
	os.WriteFile(e.ws("edited", ".git", "crispify-test"), []byte("x"), 0o644)
	os.WriteFile(e.ws("edited", "worker.log"), []byte("x"), 0o644)
	os.MkdirAll(e.ws("edited", "node_modules", "left-pad"), 0o755)
	os.WriteFile(e.ws("edited", "node_modules", "left-pad", "index.js"), []byte("x"), 0o644)
	time.Sleep(2 * time.Second)
	if got := e.workerPIDs("edited"); !slices.Equal(got, edited) || e.restartsFor("edited") != restarts {
		t.Errorf("a change under .git, node_modules or an ignored file restarted edited: %v, then %v", edited, got)
	}

	// 200 files at once (a checkout): one restart, after the burst.
	for i := range 200 {
		os.WriteFile(e.ws("edited", fmt.Sprintf("gen%03d.txt", i)), []byte("x"), 0o644)
	}
	if !eventually(20*time.Second, func() bool { return restartedSince(edited) }) {
		t.Fatalf("edited did not restart after 200 files changed:\n%s", e.supervisorLog())
	}
	time.Sleep(4 * time.Second) // past the longest wait for a burst
	if n := e.restartsFor("edited") - restarts; n != 1 {
		t.Errorf("200 files at once gave %d restarts, want 1:\n%s", n, e.supervisorLog())
	}
	edited = e.workerPIDs("edited")

	// A setup_when file: setup runs again, before the restart.
	runs := func() int {
		b, _ := os.ReadFile(e.ws("edited", "setup-runs.txt"))
		return strings.Count(string(b), "ran")
	}
	before := runs()
	src, _ := os.ReadFile(e.ws("edited", "main.go"))
	if err := os.WriteFile(e.ws("edited", "main.go"), append(src, []byte("\n// edited\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	if !eventually(30*time.Second, func() bool { return restartedSince(edited) }) {
		t.Fatalf("edited did not restart after main.go changed:\n%s", e.supervisorLog())
	}
	if runs() != before+1 {
		t.Errorf("setup ran %d times for a main.go change, want once", runs()-before)
	}
	if !strings.Contains(e.supervisorLog(), "restarted: main.go changed, setup re-ran") {
		t.Errorf("the restart does not say setup re-ran:\n%s", e.supervisorLog())
	}
	// The edit made the repo dirty: its row says so, read again after the
	// change, without a poll.
	dirtyRow := false
	for _, l := range strings.Split(e.supervisorLog(), "\n") {
		dirtyRow = dirtyRow || (strings.Contains(l, " repo ") && strings.Contains(l, " edited ") && strings.Contains(l, "master *"))
	}
	if !dirtyRow {
		t.Errorf("no repo line says edited is dirty after the change:\n%s", e.supervisorLog())
	}

	// A broken build: the worker is failed with the compiler's output, and
	// stays so (no loop) until the next good change.
	if err := os.WriteFile(e.ws("edited", "main.go"), append(src, []byte("\nfunc broken( {\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	if !eventually(30*time.Second, func() bool { return e.status()["worker edited"].State == "failed" }) {
		t.Fatalf("a broken build does not fail the worker: %+v\n%s", e.status()["worker edited"], e.supervisorLog())
	}
	st := e.status()["worker edited"]
	if !strings.Contains(st.Detail, "go build -o worker .` exited with code 1") {
		t.Errorf("the failure does not say the build failed: %+v", st)
	}
	if r := e.crispify("logs", "--tail", "20", "edited").must(t, 0); !strings.Contains(r.stdout, "syntax error") {
		t.Errorf("the worker's log lacks the compiler's output:\n%s", r.stdout)
	}
	runsBroken := runs()
	time.Sleep(3 * time.Second)
	if runs() != runsBroken || e.status()["worker edited"].State != "failed" {
		t.Errorf("a broken build loops: setup ran %d more times, state %s", runs()-runsBroken, e.status()["worker edited"].State)
	}
	if got := e.workerPIDs("quiet"); !slices.Equal(got, quiet) {
		t.Errorf("quiet restarted when edited broke: %v, then %v", quiet, got)
	}
	if err := os.WriteFile(e.ws("edited", "main.go"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	if !eventually(30*time.Second, func() bool { return e.status()["worker edited"].State == "ready" }) {
		t.Fatalf("the fix does not bring edited back: %+v\n%s", e.status()["worker edited"], e.supervisorLog())
	}
	if _, err := os.Stat(filepath.Join(e.dir, "ws", "edited", "worker")); err != nil {
		t.Errorf("the fixed build left no binary: %v", err)
	}
}
