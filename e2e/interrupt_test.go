package e2e

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// neverReady is a manifest of one worker that runs and never becomes
// ready: it waits for a port nobody listens on, for three minutes.
func neverReady(t *testing.T, e *env) {
	port := freePort(t)
	e.write(head + "services:\n" + service("sig", e.workerRepo("sig", nil), "", `WORKER_SAY: up`, "{tcp: "+itoa(port)+", timeout: 3m}"))
}

func TestCtrlCDuringANeverReadyStartEndsWithin11sExit130(t *testing.T) {
	needEngine(t)
	e := newEnv(t, "ctrlc")
	neverReady(t, e)
	tm := startTmux(t, e, filepath.Join(bin, "crispify")+" -f "+e.manifest)
	tm.waitFor(90*time.Second, `sig\s+\S*\s*starting`)
	pids := e.pids("sig")
	e.mustBeAlive("the starting worker", pids...)
	start := time.Now()
	tm.keys("C-c")
	tm.waitFor(11*time.Second, `EXIT=130`)
	if left := waitGone(pids, time.Second); len(left) > 0 {
		t.Errorf("the starting worker outlived Ctrl-C: %v", left)
	}
	t.Logf("Ctrl-C during the start: exit 130 after %s", time.Since(start).Round(100*time.Millisecond))
}

func TestSecondCtrlCKillsAWorkerThatIgnoresSIGTERM(t *testing.T) {
	needEngine(t)
	e := newEnv(t, "ctrlc2")
	port := freePort(t)
	e.write(head + "services:\n" + service("deaf", e.workerRepo("deaf", nil), "", `WORKER_SAY: up, WORKER_IGNORE_TERM: "1"`, "{tcp: "+itoa(port)+", timeout: 3m}"))
	tm := startTmux(t, e, filepath.Join(bin, "crispify")+" -f "+e.manifest)
	tm.waitFor(90*time.Second, `deaf\s+\S*\s*starting`)
	pids := e.pids("deaf")
	e.mustBeAlive("the starting worker", pids...)
	tm.keys("C-c")
	time.Sleep(time.Second)
	e.mustBeAlive("a worker that ignores SIGTERM, 1s after the first Ctrl-C", pids...)
	start := time.Now()
	tm.keys("C-c")
	tm.waitFor(5*time.Second, `EXIT=130`)
	if left := waitGone(pids, time.Second); len(left) > 0 {
		t.Errorf("the second Ctrl-C left the worker running: %v", left)
	}
	t.Logf("second Ctrl-C: gone and exit 130 after %s", time.Since(start).Round(100*time.Millisecond))
}

func TestCtrlCOnAReadyBoardExits130(t *testing.T) {
	needEngine(t)
	e := newEnv(t, "ctrlcready")
	e.write(head + "services:\n" + service("calm", e.workerRepo("calm", nil), "", `WORKER_SAY: up`, "{log: up}"))
	tm := startTmux(t, e, filepath.Join(bin, "crispify")+" -f "+e.manifest)
	tm.waitFor(90*time.Second, `ready 1/1`)
	pids := e.pids("calm")
	e.mustBeAlive("the worker", pids...)
	tm.keys("C-c")
	tm.waitFor(15*time.Second, `EXIT=130`)
	if left := waitGone(pids, time.Second); len(left) > 0 {
		t.Errorf("worker left after Ctrl-C: %v", left)
	}
}

// shellTmux runs an interactive bash in tmux, with job control, the way a
// developer's terminal runs crispify.
func shellTmux(t *testing.T, e *env) *tmux {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Fatalf("tmux is needed for the terminal UI test (README: install tmux): %v", err)
	}
	tm := &tmux{t: t, session: e.project}
	shell := "cd " + e.dir + " && env -u CI TERM=xterm-256color NO_COLOR=1 PS1='$ ' bash --norc --noprofile -i"
	if out, err := exec.Command("tmux", "new-session", "-d", "-s", tm.session, "-x", "120", "-y", "40", shell).CombinedOutput(); err != nil {
		t.Fatalf("tmux new-session: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command("tmux", "kill-session", "-t", tm.session).Run() })
	return tm
}

func TestCtrlZThenFgGivesBackALiveBoard(t *testing.T) {
	needEngine(t)
	e := newEnv(t, "ctrlz")
	e.write(head + "services:\n" + service("sig", e.workerRepo("sig", nil), "", `WORKER_SAY: up`, "{log: up}"))
	tm := shellTmux(t, e)
	tm.keys(filepath.Join(bin, "crispify")+" -f "+e.manifest, "Enter")
	tm.waitFor(90*time.Second, `ready 1/1`)
	pids := e.pids("sig")
	e.mustBeAlive("the worker", pids...)

	tm.keys("C-z")
	tm.waitFor(10*time.Second, `Stopped`)
	// The board is stopped, and so is the supervisor it is: status says
	// that, not that the worker does not run, and the worker runs on.
	r := e.crispify("status")
	if r.code != 1 || !regexp.MustCompile(`supervisor \(pid \d+\)`).MatchString(r.stdout+r.stderr) || strings.Contains(r.stdout, "not running") {
		t.Errorf("status of a stopped foreground supervisor: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	e.mustBeAlive("the worker, while the board is stopped", pids...)

	tm.keys("clear; fg", "Enter") // a board that redraws shows itself again
	tm.waitFor(10*time.Second, `ready 1/1`)
	tm.keys("q")
	tm.waitFor(30*time.Second, `crispify: workers stopped`)
	tm.keys("echo DONE=$?", "Enter")
	tm.waitFor(10*time.Second, `DONE=0`)
	if left := waitGone(pids, time.Second); len(left) > 0 {
		t.Errorf("q after fg left the worker running: %v", left)
	}

	// kill -TSTP and -CONT, as from another terminal, do the same.
	tm.keys("clear; "+filepath.Join(bin, "crispify")+" -f "+e.manifest, "Enter")
	time.Sleep(time.Second) // the old screen's "ready 1/1" cleared
	tm.waitFor(90*time.Second, `ready 1/1`)
	sup := pidsOf(filepath.Join(bin, "crispify"), e.manifest)
	if len(sup) != 1 {
		t.Fatalf("want one crispify, found %v", sup)
	}
	exec.Command("kill", "-TSTP", itoa(sup[0])).Run()
	tm.waitFor(10*time.Second, `Stopped`)
	tm.keys("clear; fg", "Enter") // a board that redraws shows itself again
	tm.waitFor(10*time.Second, `ready 1/1`)
	// A SIGSTOP cannot be caught: the SIGCONT of fg makes the board raw
	// again all the same, or q would wait for an Enter.
	exec.Command("kill", "-STOP", itoa(sup[0])).Run()
	tm.waitFor(10*time.Second, `Stopped`)
	tm.keys("clear; fg", "Enter")
	tm.waitFor(10*time.Second, `ready 1/1`)
	tm.keys("q")
	tm.waitFor(30*time.Second, `crispify: workers stopped`)
	tm.keys("echo DONE=$?", "Enter")
	tm.waitFor(10*time.Second, `DONE=0`)
}
