package e2e

import (
	"regexp"
	"strings"
	"testing"
)

// pidOf is the pid a worker's status row names; "" when none.
func pidOf(row statusRow) string {
	return regexp.MustCompile(`pid (\d+)`).FindString(row.Detail)
}

// On a detached stack, a save goes through the supervisor: the worker
// that needs redis is stopped and started again, the one that does not
// keeps its pid, redis is up again after, and the key written (never
// saved by hand: crispify asks Redis to SAVE) is in the snapshot, which a
// restore puts back.
func TestDataSaveOnARunningStackGoesThroughTheSupervisor(t *testing.T) {
	needImages(t, imageRedis)
	e := newEnv(t, "datasave")
	redis := freePort(t)
	e.write(head + `infra:
  redis:
    image: ` + imageRedis + `
    ports: ["` + itoa(redis) + `:6379"]
    health: {cmd: ["redis-cli", "ping"], interval: 1s}
services:
` + service("api", e.workerRepo("api", nil), "redis", `WORKER_SAY: api up`, `{log: "api up"}`) +
		service("loner", e.workerRepo("loner", nil), "", `WORKER_SAY: loner up`, `{log: "loner up"}`))
	e.crispify("-d").must(t, 0)
	before := e.status()
	e.docker("exec", e.project+"-redis", "redis-cli", "set", "k", "saved")

	r := e.crispify("data", "save", "s1").must(t, 0)
	if !strings.Contains(r.stdout, "snapshot s1 saved (data of branch master") {
		t.Errorf("save said %q", r.stdout)
	}
	after := e.status()
	if after["infra redis"].State != "healthy" || after["worker api"].State != "ready" || after["worker loner"].State != "ready" {
		t.Errorf("after the save: %+v", after)
	}
	if pidOf(after["worker api"]) == pidOf(before["worker api"]) {
		t.Errorf("api kept its pid (%s) though its redis stopped for the save", pidOf(after["worker api"]))
	}
	if pidOf(after["worker loner"]) != pidOf(before["worker loner"]) {
		t.Errorf("loner, which needs no infra, was restarted: %s, then %s", pidOf(before["worker loner"]), pidOf(after["worker loner"]))
	}

	e.docker("exec", e.project+"-redis", "redis-cli", "set", "k", "changed")
	e.crispify("data", "restore", "s1").must(t, 0)
	if got := e.docker("exec", e.project+"-redis", "redis-cli", "get", "k"); got != "saved" {
		t.Errorf("after the restore, k is %q, want saved", got)
	}
	if st := e.status(); st["worker api"].State != "ready" {
		t.Errorf("api after the restore: %+v", st["worker api"])
	}
}
