package e2e

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

// tmux drives crispify's terminal UI in a real pseudo-terminal.
type tmux struct {
	t       *testing.T
	session string
}

func startTmux(t *testing.T, e *env, command string) *tmux {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Fatalf("tmux is needed for the terminal UI test (README: install tmux): %v", err)
	}
	tm := &tmux{t: t, session: e.project}
	// CI must be unset inside, or crispify would print plain lines.
	shell := "cd " + e.dir + " && env -u CI TERM=xterm-256color NO_COLOR=1 " + command + "; echo EXIT=$?; sleep 120"
	if out, err := exec.Command("tmux", "new-session", "-d", "-s", tm.session, "-x", "120", "-y", "40", shell).CombinedOutput(); err != nil {
		t.Fatalf("tmux new-session: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command("tmux", "kill-session", "-t", tm.session).Run() })
	return tm
}

func (tm *tmux) screen() string {
	out, err := exec.Command("tmux", "capture-pane", "-p", "-t", tm.session).Output()
	if err != nil {
		tm.t.Fatalf("tmux capture-pane: %v", err)
	}
	return string(out)
}

func (tm *tmux) keys(keys ...string) {
	tm.t.Helper()
	if out, err := exec.Command("tmux", append([]string{"send-keys", "-t", tm.session}, keys...)...).CombinedOutput(); err != nil {
		tm.t.Fatalf("tmux send-keys: %v\n%s", err, out)
	}
}

// waitFor polls the screen until every pattern matches it.
func (tm *tmux) waitFor(d time.Duration, patterns ...string) string {
	tm.t.Helper()
	var screen string
	ok := eventually(d, func() bool {
		screen = tm.screen()
		for _, p := range patterns {
			if !regexp.MustCompile(p).MatchString(screen) {
				return false
			}
		}
		return true
	})
	if !ok {
		tm.t.Fatalf("the screen never showed %q:\n%s", patterns, screen)
	}
	return screen
}

func TestTerminalUIShowsTheStackOpensLogsAndQuitsCleanly(t *testing.T) {
	needImages(t, imageRedis)
	e := newEnv(t, "tui")
	port := freePort(t)
	e.write(head + redisInfra + "services:\n" + service("api", e.workerRepo("api", nil), "redis", `WORKER_LISTEN: "`+itoa(port)+`", WORKER_SAY: api is serving`, "{tcp: "+itoa(port)+"}") +
		service("mailer", e.workerRepo("mailer", nil), "api", `WORKER_SAY: mailer up`, `{log: mailer up}`) + `
  docs:
    repo: ` + e.workerRepo("docs", nil) + "\n")

	tm := startTmux(t, e, filepath.Join(bin, "crispify")+" -f "+e.manifest)
	screen := tm.waitFor(90*time.Second, `ready 2/2`, `healthy 1/1`, `cloned 3/3`)
	for _, row := range []string{`api\s+✓ unchanged|api\s+✓ cloned`, `docs\s+✓ cloned\s+master`, `redis\s+✓ healthy`, `api\s+✓ ready`, `mailer\s+✓ ready`} {
		if !regexp.MustCompile(row).MatchString(screen) {
			t.Errorf("the board lacks %q:\n%s", row, screen)
		}
	}

	// Move down to the api worker's row (below its repo row) and open its log.
	selected := regexp.MustCompile(`▸ api\s+✓ ready`)
	for i := 0; i < 12 && !selected.MatchString(tm.screen()); i++ {
		tm.keys("Down")
		time.Sleep(200 * time.Millisecond)
	}
	tm.waitFor(5*time.Second, selected.String())
	tm.keys("Enter")
	tm.waitFor(5*time.Second, `log of worker api`, `api is serving`)
	tm.keys("Escape")
	tm.waitFor(5*time.Second, `ready 2/2`)

	pids := append(e.pids("api"), e.pids("mailer")...)
	tm.keys("q")
	tm.waitFor(30*time.Second, `EXIT=0`)
	if left := waitGone(pids, time.Second); len(left) > 0 {
		t.Errorf("workers left after q: %v", left)
	}
	if state := e.docker("inspect", "--format", "{{.State.Health.Status}}", e.project+"-redis"); state != "healthy" {
		t.Errorf("q must leave the infra running; redis is %s", state)
	}
}
