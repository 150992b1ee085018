package e2e

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The handover a supervisor of another version is told to make: SIGTERM
// ends it and its workers, its containers keep running, and the next boot
// keeps them (same container, not recreated).
func TestASupervisorEndedBySIGTERMLeavesItsInfraForTheNextBoot(t *testing.T) {
	t.Parallel() // a project and ports of its own; mostly waiting on containers
	needImages(t, imageRedis)
	e := newEnv(t, "handover")
	e.write(head + redisInfra + `services:
  api:
    repo: ` + e.scriptRepo("api", false) + `
    run: ./run.sh
    needs: [redis]
`)
	e.crispify("-d").must(t, 0)
	container := e.containerID("redis")
	workers := e.workerPIDs("api")
	b, err := os.ReadFile(e.ws(".crispify", "supervisor-"+e.project+".pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if left := waitGone(append([]int{pid}, workers...), 15*time.Second); len(left) > 0 {
		t.Fatalf("still running 15 s after SIGTERM to the supervisor: %v", left)
	}
	if state := e.docker("inspect", "--format", "{{.State.Status}}", e.project+"-redis"); state != "running" {
		t.Errorf("redis is %s after its supervisor ended, want running", state)
	}
	r := e.crispify("-d").must(t, 0)
	if got := e.containerID("redis"); got != container {
		t.Errorf("the next boot recreated redis:\n%s", r.stdout)
	}
	if !strings.Contains(lineOf(r.stdout, "infra redis"), "already running") {
		t.Errorf("the next boot does not say redis was kept:\n%s", r.stdout)
	}
}
