package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// jsonEvent is the part of an NDJSON event these tests read.
type jsonEvent struct {
	Kind, Name, Phase string
	Since             time.Time
	Git               *struct {
		Branch, Want, Upstream string
		Ahead, Behind, Dirty   int
	}
}

func events(t *testing.T, stdout string) []jsonEvent {
	t.Helper()
	var out []jsonEvent
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var e jsonEvent
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("event %q: %v", line, err)
		}
		out = append(out, e)
	}
	return out
}

func lastOf(evs []jsonEvent, kind, name string) (jsonEvent, bool) {
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].Kind == kind && evs[i].Name == name {
			return evs[i], true
		}
	}
	return jsonEvent{}, false
}

// TestEventsCarryContainerStartAndGitState, on a real engine and real git:
// a container an earlier run started is healthy since its own start (the
// board's uptime), and a repo's events and status rows carry its git
// state, which never fails `crispify status`.
func TestEventsCarryContainerStartAndGitState(t *testing.T) {
	needImages(t, imageRedis)
	e := newEnv(t, "gitstate")
	url := e.workerRepo("api", nil)
	e.write(`version: 1
project: {{project}}
workspace: ./ws
infra:
  redis:
    image: ` + imageRedis + `
    health: {cmd: ["redis-cli", "ping"], interval: 1s}
services:
  api:
    repo: ` + url + `
`)
	e.crispify("infra").must(t, 0)
	started, err := time.Parse(time.RFC3339Nano, e.docker("inspect", "--format", "{{.State.StartedAt}}", e.project+"-redis"))
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	began := time.Now()
	healthy, ok := lastOf(events(t, e.crispify("--output", "json", "infra").must(t, 0).stdout), "infra", "redis")
	if !ok || healthy.Phase != "healthy" || !healthy.Since.Equal(started) || !healthy.Since.Before(began.Add(-time.Second)) {
		t.Errorf("second run's redis: %s since %v; the container started %v, the run %v", healthy.Phase, healthy.Since, started, began)
	}

	e.crispify("repos").must(t, 0)
	repo := filepath.Join(e.dir, "ws", "api")
	e.git(repo, "checkout", "-q", "-b", "feature/x")
	if err := os.WriteFile(filepath.Join(repo, "main.go"), []byte("package main\n\nfunc main() {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ev, ok := lastOf(events(t, e.crispify("--output", "json", "repos").must(t, 0).stdout), "repo", "api")
	if !ok || ev.Git == nil || ev.Git.Branch != "feature/x" || ev.Git.Want != "master" || ev.Git.Dirty != 1 {
		t.Errorf("repo event: %+v git %+v", ev, ev.Git)
	}
	if out := e.crispify("repos").must(t, 0).stdout; !strings.Contains(out, "api   unchanged  feature/x ≠master *1  present") {
		t.Errorf("repos table:\n%s", out)
	}

	// Healthy infra and no worker: status exits 0 with the repo dirty and
	// off its branch, and says so.
	r := e.crispify("status", "--json").must(t, 0)
	var rows []struct {
		Kind, Name string
		Git        *struct{ Branch, Want string }
	}
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		t.Fatalf("status --json: %v\n%s", err, r.stdout)
	}
	if len(rows) == 0 || rows[0].Kind != "repo" || rows[0].Git == nil || rows[0].Git.Branch != "feature/x" {
		t.Errorf("status --json repo row: %+v\n%s", rows, r.stdout)
	}
	if out := e.crispify("status").must(t, 0).stdout; !strings.Contains(out, "feature/x ≠master *") {
		t.Errorf("status table:\n%s", out)
	}
}
