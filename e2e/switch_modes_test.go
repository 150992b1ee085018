package e2e

import (
	"strings"
	"testing"
)

// --data fresh starts a new branch's data empty and --data keep goes on
// with the current one; the branch left keeps its own either way.
func TestSwitchDataFreshAndKeep(t *testing.T) {
	t.Parallel() // a project and ports of its own; mostly waiting on containers
	needImages(t, imageRedis)
	e := newEnv(t, "switchmodes")
	e.writeBranchedRedis()
	e.crispify("-d").must(t, 0)
	get := func() string { return e.docker("exec", e.project+"-redis", "redis-cli", "get", "greeting") }
	e.docker("exec", e.project+"-redis", "redis-cli", "set", "greeting", "master's")

	r := e.crispify("--output", "json", "switch", "--data", "fresh", "feature").must(t, 0)
	if got := strings.Join(dataEvents(t, r.stdout), ","); strings.Contains(got, "copying") || !strings.Contains(got, "redis swapped") {
		t.Errorf("--data fresh: data events %q, want a swap and no copy", got)
	}
	if got := get(); got != "" {
		t.Errorf("feature started fresh has greeting %q", got)
	}
	e.docker("exec", e.project+"-redis", "redis-cli", "set", "greeting", "feature's")

	e.crispify("switch", "-").must(t, 0)
	if got := get(); got != "master's" {
		t.Errorf("back on master: greeting %q", got)
	}

	// keep: feature's code on master's data, nothing swapped.
	container := e.containerID("redis")
	r = e.crispify("--output", "json", "switch", "--data", "keep", "feature").must(t, 0)
	if got := dataEvents(t, r.stdout); len(got) != 0 {
		t.Errorf("--data keep moved data: %q", got)
	}
	if got := e.containerID("redis"); got != container {
		t.Error("--data keep recreated redis")
	}
	if got := get(); got != "master's" {
		t.Errorf("--data keep: greeting %q, want master's", got)
	}
	if got := e.crispify("switch", "--data", "sideways", "feature"); got.code != 2 || !strings.Contains(got.stderr, "--data sideways: give copy") {
		t.Errorf("a bad --data: exit %d\n%s", got.code, got.stderr)
	}
}
