package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// logWorker is the manifest entry of a worker ready by a line of output,
// with extra manifest lines.
func logWorker(name, url, env, extra string) string {
	s := service(name, url, "", `WORKER_SAY: "`+name+` up"`+env, `{log: "`+name+` up"}`)
	return s + extra
}

// The daily update on a running stack of six: three repos got upstream
// commits, one is dirty, one diverged, one is untouched. Exactly the three
// restart, each saying why; the two are skipped, saying why, and keep their
// workers, as does the sixth. Run again with nothing new, nothing restarts.
func TestRemoteOnARunningStackRestartsExactlyWhatMoved(t *testing.T) {
	needEngine(t)
	e := newEnv(t, "remote")
	names := []string{"moved1", "moved2", "moved3", "dirty", "diverged", "still"}
	text := head + "services:\n"
	for _, n := range names {
		text += logWorker(n, e.workerRepo(n, nil), "", "")
	}
	e.write(text)
	// The developer's own work, there before the stack started: a change
	// not committed, and a local commit.
	e.crispify("repos").must(t, 0)
	src, _ := os.ReadFile(e.dir + "/src/moved3/main.go")
	if err := os.WriteFile(e.ws("dirty", "main.go"), append(src, []byte("\n// local work\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	e.commitIn(e.ws("diverged"), "LOCAL.md", "mine\n")
	e.crispify("-d").must(t, 0)
	before := map[string][]int{}
	for _, n := range names {
		before[n] = e.workerPIDs(n)
		if len(before[n]) != 1 {
			t.Fatalf("%s: pids %v", n, before[n])
		}
	}

	e.pushCommit("moved1", "NOTES.md", "one\n")
	e.pushCommit("moved2", "NOTES.md", "one\n")
	e.pushCommit("moved2", "NOTES.md", "two\n")
	// A change to main.go also re-runs setup, and the reason says both.
	e.pushCommit("moved3", "main.go", string(src)+"\n// a comment\n")
	e.pushCommit("dirty", "NOTES.md", "theirs\n")
	e.pushCommit("diverged", "NOTES.md", "theirs\n")

	r := e.crispify("remote").must(t, 0)
	if !strings.Contains(r.stderr, "the stack runs in the background (supervisor pid ") {
		t.Errorf("remote on a detached stack does not say it runs in the background:\n%s", r.stderr)
	}
	for n, want := range map[string]string{
		"worker moved1": "restarted: 1 new commit",
		"worker moved2": "restarted: 2 new commits",
		"worker moved3": "restarted: 1 new commit, setup re-ran: main.go changed",
		"repo dirty":    "dirty",
		"repo diverged": "diverged",
		"worker dirty":  "unchanged",
		"worker still":  "unchanged",
	} {
		if !strings.Contains(lineOf(r.stdout, n), want) {
			t.Errorf("summary row %q lacks %q:\n%s", n, want, r.stdout)
		}
	}
	for _, n := range names {
		after := e.workerPIDs(n)
		restarted := !slices.Equal(after, before[n])
		if want := strings.HasPrefix(n, "moved"); restarted != want {
			t.Errorf("%s: pids %v, then %v: restarted %v, want %v", n, before[n], after, restarted, want)
		}
		if strings.HasPrefix(n, "moved") && len(waitGone(before[n], 2*time.Second)) > 0 {
			t.Errorf("%s: the old process %v still runs", n, before[n])
		}
	}
	if b, _ := os.ReadFile(e.ws("dirty", "main.go")); !strings.Contains(string(b), "local work") {
		t.Error("the dirty repo's local change is gone")
	}

	// Nothing new: nothing restarts.
	current := map[string][]int{}
	for _, n := range names {
		current[n] = e.workerPIDs(n)
	}
	r = e.crispify("remote").must(t, 0)
	if strings.Contains(r.stdout, "restarted") {
		t.Errorf("remote with nothing new restarted something:\n%s", r.stdout)
	}
	for _, n := range names {
		if got := e.workerPIDs(n); !slices.Equal(got, current[n]) {
			t.Errorf("%s restarted with nothing new: %v, then %v", n, current[n], got)
		}
	}
}

// lineOf is the line of a summary table that starts with prefix.
func lineOf(table, prefix string) string {
	for _, l := range strings.Split(table, "\n") {
		if strings.HasPrefix(l, prefix+" ") {
			return l
		}
	}
	return ""
}

// A service added to the manifest of a running stack starts with `crispify
// run NEW`, alone; a changed env restarts only its worker, saying so. The
// foreground stack serves the other terminal's commands as a detached one.
func TestManifestChangesApplyToAForegroundStack(t *testing.T) {
	needEngine(t)
	e := newEnv(t, "change")
	alpha, beta, gamma := e.workerRepo("alpha", nil), e.workerRepo("beta", nil), e.workerRepo("gamma", nil)
	two := head + "services:\n" + logWorker("alpha", alpha, "", "") + logWorker("beta", beta, ", COLOUR: blue", "")
	e.write(two)
	fg := e.foreground("alpha", "beta")
	a, b := e.workerPIDs("alpha"), e.workerPIDs("beta")

	e.write(two + logWorker("gamma", gamma, "", ""))
	r := e.crispify("run", "gamma").must(t, 0)
	if !strings.Contains(lineOf(r.stdout, "worker gamma"), "ready") {
		t.Errorf("gamma not started:\n%s", r.stdout)
	}
	// It says where the stack runs: in the other terminal, not "in the background".
	if want := fmt.Sprintf("the stack runs in the foreground crispify of another terminal (pid %d)", fg.Process.Pid); !strings.Contains(r.stderr, want) {
		t.Errorf("run gamma's stderr lacks %q:\n%s", want, r.stderr)
	}
	if strings.Contains(r.stdout, "worker alpha") || strings.Contains(r.stdout, "worker beta") {
		t.Errorf("run gamma touched the others:\n%s", r.stdout)
	}
	if !slices.Equal(e.workerPIDs("alpha"), a) || !slices.Equal(e.workerPIDs("beta"), b) {
		t.Errorf("run gamma restarted alpha or beta")
	}
	g := e.workerPIDs("gamma")

	e.write(head + "services:\n" + logWorker("alpha", alpha, "", "") + logWorker("beta", beta, ", COLOUR: green", "") + logWorker("gamma", gamma, "", ""))
	r = e.crispify().must(t, 0)
	if !strings.Contains(lineOf(r.stdout, "worker beta"), "restarted: env changed") {
		t.Errorf("beta's row does not say it restarted for its env:\n%s", r.stdout)
	}
	if slices.Equal(e.workerPIDs("beta"), b) {
		t.Error("beta kept its old process though its env changed")
	}
	if !slices.Equal(e.workerPIDs("alpha"), a) || !slices.Equal(e.workerPIDs("gamma"), g) {
		t.Error("an env change of beta restarted alpha or gamma")
	}

	// The board's s and r, from the command line.
	e.crispify("stop", "alpha").must(t, 0)
	if st := e.status()["worker alpha"]; st.State != "stopped" {
		t.Errorf("after crispify stop: %+v", st)
	}
	if len(waitGone(a, time.Second)) > 0 {
		t.Error("alpha's process outlived crispify stop")
	}
	e.crispify("restart", "alpha").must(t, 0)
	if st := e.status()["worker alpha"]; st.State != "ready" {
		t.Errorf("after crispify restart: %+v", st)
	}
	if r := e.crispify("stop", "nosuch").must(t, 2); !strings.Contains(r.stderr, "unknown worker or container nosuch") {
		t.Errorf("stop of an unknown name: %q", r.stderr)
	}
}

// A consumer ready by a line of output, with two replicas, is replaced one
// replica at a time: whenever the test looks, both replicas' processes run,
// and each new one was up before an old one was told to stop.
func TestRollingRestartOfLogReadyReplicasKeepsOneReady(t *testing.T) {
	needEngine(t)
	e := newEnv(t, "rolling")
	url := e.workerRepo("consumer", nil)
	entry := func(version string) string {
		return head + "services:\n  consumer:\n    repo: " + url + `
    setup: ["go build -o worker ."]
    run: exec ./worker -note-term -say "up pid=$$"
    env: {VERSION: "` + version + `"}
    ready: {log: "^up pid="}
    replicas: 2
`
	}
	e.write(entry("1"))
	e.crispify("-d").must(t, 0)
	old := e.workerPIDs("consumer")
	if len(old) != 2 {
		t.Fatalf("pids %v, want 2", old)
	}

	var mu sync.Mutex
	var samples [][]int
	stop := make(chan struct{})
	var sampling sync.WaitGroup
	sampling.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			live := steadyPIDsOf("./worker", "-note-term")
			mu.Lock()
			samples = append(samples, live)
			mu.Unlock()
			time.Sleep(10 * time.Millisecond)
		}
	})
	e.write(entry("2"))
	r := e.crispify().must(t, 0)
	close(stop)
	sampling.Wait()
	if !strings.Contains(lineOf(r.stdout, "worker consumer"), "restarted: env changed") {
		t.Errorf("summary:\n%s", r.stdout)
	}
	now := e.workerPIDs("consumer")
	if len(now) != 2 || slices.Contains(now, old[0]) || slices.Contains(now, old[1]) {
		t.Fatalf("pids after %v, before %v", now, old)
	}
	for i, s := range samples {
		if len(s) < 2 {
			t.Errorf("sample %d of %d: only %v ran", i, len(samples), s)
			break
		}
	}
	// Order in the log: each new replica up before an old one got SIGTERM.
	// The log trails the output by a few milliseconds: wait for its lines.
	var log string
	var upNew0, upNew1, term0, term1 int
	eventually(5*time.Second, func() bool {
		log = e.workerLog("consumer")
		upNew0 = strings.Index(log, fmt.Sprintf("up pid=%d", now[0]))
		upNew1 = strings.Index(log, fmt.Sprintf("up pid=%d", now[1]))
		term0 = strings.Index(log, fmt.Sprintf("got SIGTERM pid=%d", old[0]))
		term1 = strings.Index(log, fmt.Sprintf("got SIGTERM pid=%d", old[1]))
		return upNew0 >= 0 && upNew1 >= 0 && term0 >= 0 && term1 >= 0
	})
	firstTerm := min(term0, term1)
	if upNew0 < 0 || upNew1 < 0 || term0 < 0 || term1 < 0 || min(upNew0, upNew1) > firstTerm {
		t.Errorf("a replica was told to stop before its successor was up (up %d %d, SIGTERM %d %d):\n%s", upNew0, upNew1, term0, term1, log)
	}
}

// Two manifests in one folder are two projects: each has its own
// supervisor, and neither's status or teardown touches the other.
func TestTwoProjectsInOneWorkspaceStayApart(t *testing.T) {
	needEngine(t)
	e := newEnv(t, "twoa")
	other := *e
	other.project = e.project + "-b"
	other.manifest = e.dir + "/other.yaml"
	e.write(head + "services:\n" + logWorker("left", e.workerRepo("left", nil), "", ""))
	(&other).write(head + "services:\n" + logWorker("right", e.workerRepo("right", nil), "", ""))
	t.Cleanup(func() { (&other).run("decrispify") })
	e.crispify("-d").must(t, 0)
	(&other).crispify("-d").must(t, 0)
	right := (&other).workerPIDs("right")
	if len(right) != 1 {
		t.Fatalf("right's pids: %v", right)
	}
	// Two supervisors, one per project.
	left, rightRow := e.status()["worker left"], (&other).status()["worker right"]
	if left.State != "ready" || rightRow.State != "ready" || supervisorOf(left.Detail) == supervisorOf(rightRow.Detail) || supervisorOf(left.Detail) == "" {
		t.Errorf("one supervisor for two projects, or a worker not ready:\n%+v\n%+v", left, rightRow)
	}
	r := e.run("decrispify").must(t, 0)
	if !strings.Contains(r.stdout, "workers stopped") {
		t.Errorf("decrispify of a: %q", r.stdout)
	}
	if !alive(right[0]) {
		t.Fatal("decrispify of project a stopped project b's worker")
	}
	(&other).crispify("status").must(t, 0)
}

// kill -9 of the supervisor and of its watchdog: the worker, run by a
// shell that did not exec it and so lost its parent-death signal with the
// shell, lives on. decrispify ends it by its process group, and the next
// boot does not mistake it for its own worker.
func TestKill9OfSupervisorAndWatchdogThenDecrispifyLeavesNoProcess(t *testing.T) {
	needEngine(t)
	e := newEnv(t, "kill9")
	port := freePort(t)
	e.write(head + `services:
  api:
    repo: ` + e.workerRepo("api", nil) + `
    setup: ["go build -o worker ."]
    run: ./worker; echo the worker ended
    env: {WORKER_LISTEN: "` + itoa(port) + `", WORKER_CHILD: "1", WORKER_IGNORE_TERM: "1"}
    ready: {tcp: ` + itoa(port) + `}
`)
	e.crispify("-d").must(t, 0)
	workers := e.pids("api") // the worker and its child, from its log
	supervisor := pidsOf(bin+"/crispify", "__daemon", e.manifest)
	watchdog := childrenNamed(supervisor, "__watchdog")
	e.mustBeAlive("workers", workers...)
	e.mustBeAlive("supervisor", supervisor...)
	e.mustBeAlive("watchdog", watchdog...)
	for _, p := range append(watchdog, supervisor...) {
		if err := kill(p, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
	}
	if left := waitGone(append(watchdog, supervisor...), 5*time.Second); len(left) > 0 {
		t.Fatalf("still alive after SIGKILL: %v", left)
	}
	// The watchdog of another test may be among those killed; the worker
	// must be left, or this test proves nothing.
	time.Sleep(500 * time.Millisecond)
	e.mustBeAlive("the worker after its supervisor and watchdog were killed", workers...)

	r := e.run("decrispify").must(t, 0)
	if !strings.Contains(r.stdout, "ended workers left running by an earlier crispify: api") {
		t.Errorf("decrispify does not say it ended the leftover: %q", r.stdout)
	}
	if left := waitGone(workers, 12*time.Second); len(left) > 0 {
		t.Errorf("processes left after decrispify: %v", left)
	}
}

// SIGHUP (the terminal closed) of a foreground run stops it in order: no
// worker process and no socket or pid file is left.
func TestSIGHUPOfAForegroundRunLeavesNoProcessAndNoFiles(t *testing.T) {
	needEngine(t)
	e := newEnv(t, "sighup")
	stubbornManifest(e)
	cmd := e.foreground("stubborn", "plain")
	pids := append(e.pids("stubborn"), e.pids("plain")...)
	e.mustBeAlive("workers", pids...)
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	if code := exitWithin(cmd, 15*time.Second); code != 130 {
		t.Errorf("crispify after SIGHUP: exit %d, want 130", code)
	}
	if left := waitGone(pids, time.Second); len(left) > 0 {
		t.Errorf("still running after SIGHUP: %v", left)
	}
	for _, f := range []string{"supervisor-" + e.project + ".sock", "supervisor-" + e.project + ".pid"} {
		if _, err := os.Stat(e.ws(".crispify", f)); err == nil {
			t.Errorf("%s left after SIGHUP", f)
		}
	}
}

// A foreground boot in which a worker fails ends by itself, exits 1, and
// says why; a failed -d leaves no idle supervisor behind.
func TestAFailedBootExitsOneWithTheReasonAndLeavesNothing(t *testing.T) {
	needEngine(t)
	e := newEnv(t, "failing")
	e.write(head + "services:\n" + service("broken", e.workerRepo("broken", nil), "", `WORKER_PRINT: "panic: no config", WORKER_EXIT_CODE: "3"`, `{log: never}`) +
		"    restart: never\n")
	cmd, out := e.startCrispify()
	code := exitWithin(cmd, 60*time.Second)
	text, _ := os.ReadFile(out.Name())
	if code != 1 {
		t.Fatalf("a foreground boot with a failing worker: exit %d, want 1\n%s", code, text)
	}
	for _, want := range []string{"worker broken", "exited with code 3", "panic: no config"} {
		if !strings.Contains(string(text), want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	r := e.crispify("-d").must(t, 1)
	if !strings.Contains(r.stderr, "panic: no config") {
		t.Errorf("-d does not say why:\n%s", r.stderr)
	}
	if left := pidsOf(bin+"/crispify", "__daemon", e.manifest); len(left) > 0 && len(waitGone(left, 5*time.Second)) > 0 {
		t.Errorf("a failed -d left its supervisor running: %v", left)
	}
}

// supervisorOf is the "(supervisor pid N)" of a worker's status detail.
func supervisorOf(detail string) string {
	_, after, ok := strings.Cut(detail, "(supervisor pid ")
	if !ok {
		return ""
	}
	return strings.TrimSuffix(after, ")")
}

// Another terminal's board (status --watch) shows an apply as it happens:
// the restarting row with its reason, then the restart's outcome.
func TestABoardShowsAnotherTerminalsApply(t *testing.T) {
	needEngine(t)
	e := newEnv(t, "board")
	url := e.workerRepo("api", nil)
	entry := func(colour string) string {
		return head + "services:\n" + logWorker("api", url, ", COLOUR: "+colour, "")
	}
	e.write(entry("blue"))
	e.crispify("-d").must(t, 0)
	tm := startTmux(t, e, filepath.Join(bin, "crispify")+" -f "+e.manifest+" status --watch")
	tm.waitFor(30*time.Second, `ready 1/1`, `api\s+✓ ready`)
	e.write(entry("green"))
	e.crispify().must(t, 0)
	tm.waitFor(30*time.Second, `api\s+✓ ready.*restarted: env changed`)
	tm.keys("q")
	tm.waitFor(10*time.Second, `EXIT=0`)
	if st := e.status()["worker api"]; st.State != "ready" {
		t.Errorf("q on another terminal's board stopped the stack: %+v", st)
	}
}

// decrispify from another terminal, on a stack whose foreground crispify
// shows its board, stops the workers, removes the infra and returns: the
// board stays up (saying the run ended) until its user quits it, and
// decrispify does not wait for that. `script` gives crispify a terminal.
func TestDecrispifyReturnsWhileTheForegroundBoardStaysUp(t *testing.T) {
	needEngine(t)
	scriptBin, err := exec.LookPath("script")
	if err != nil {
		t.Fatal("script (util-linux) is needed to give crispify a terminal")
	}
	e := newEnv(t, "board")
	e.write(head + redisInfra + "services:\n" + logWorker("alpha", e.workerRepo("alpha", nil), "", "    needs: [redis]\n"))
	board := exec.Command(scriptBin, "-qfec", filepath.Join(bin, "crispify")+" --output tui -f "+e.manifest, "/dev/null")
	board.Dir = e.dir
	board.Env = append(os.Environ(), "CI=true", "NO_COLOR=1", "TERM=xterm-256color")
	board.Env = append(board.Env, e.extraEnv...)
	keys, err := board.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	screen, err := os.CreateTemp(e.dir, "board-*.out")
	if err != nil {
		t.Fatal(err)
	}
	board.Stdout, board.Stderr = screen, screen
	if err := board.Start(); err != nil {
		t.Fatal(err)
	}
	ended := make(chan error, 1)
	go func() { ended <- board.Wait() }()
	t.Cleanup(func() { board.Process.Kill(); <-ended; screen.Close() })
	if !eventually(60*time.Second, func() bool { return e.status()["worker alpha"].State == "ready" }) {
		text, _ := os.ReadFile(screen.Name())
		t.Fatalf("alpha not ready under the board:\n%s", text)
	}
	pids := e.workerPIDs("alpha")
	e.mustBeAlive("alpha's worker", pids...)

	r := e.run("decrispify", "--yes").must(t, 0)
	if r.took > 30*time.Second {
		t.Errorf("decrispify took %s: it waited for the board", r.took)
	}
	if !strings.Contains(r.stdout+r.stderr, "workers stopped") {
		t.Errorf("decrispify does not say the workers stopped:\n%s%s", r.stdout, r.stderr)
	}
	if left := waitGone(pids, 5*time.Second); len(left) > 0 {
		t.Errorf("alpha's processes %v outlived decrispify", left)
	}
	if out := e.docker("ps", "-aq", "--filter", "label=io.crispify.project="+e.project); out != "" {
		t.Errorf("decrispify left containers of the project: %s", out)
	}
	select {
	case err := <-ended:
		ended <- err // for the cleanup
		t.Fatalf("the board ended by itself (%v); it should stay up until q", err)
	case <-time.After(500 * time.Millisecond):
	}
	if _, err := keys.Write([]byte("q")); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-ended:
		ended <- err
		text, _ := os.ReadFile(screen.Name())
		if err != nil {
			t.Errorf("the board after q: %v, want exit 0\n%s", err, text)
		}
		if !strings.Contains(string(text), "crispify: workers stopped by decrispify from another terminal") {
			t.Errorf("the board's last words do not say who stopped the stack:\n%s", text)
		}
	case <-time.After(10 * time.Second):
		t.Error("the board still runs 10s after q")
	}
}
