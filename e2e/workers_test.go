package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// service writes a manifest entry of a test worker repo.
func service(name, url, needs, env, ready string) string {
	s := "  " + name + ":\n    repo: " + url + "\n    setup: [\"go build -o worker .\"]\n    setup_when: [main.go]\n    run: ./worker\n"
	if needs != "" {
		s += "    needs: [" + needs + "]\n"
	}
	if env != "" {
		s += "    env: {" + env + "}\n"
	}
	if ready != "" {
		s += "    ready: " + ready + "\n"
	}
	return s
}

// head starts a manifest of the test's own project, workspace ./ws.
const head = "version: 1\nproject: {{project}}\nworkspace: ./ws\n"

// redisInfra is an infra section of one redis without host ports.
const redisInfra = `infra:
  redis:
    image: ` + imageRedis + `
    health: {cmd: ["redis-cli", "ping"], interval: 1s}
`

type statusRow struct{ Kind, Name, State, Detail string }

func (e *env) status() map[string]statusRow {
	e.t.Helper()
	r := e.crispify("status", "--json")
	var rows []statusRow
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		e.t.Fatalf("status --json: %v\n%s\n%s", err, r.stdout, r.stderr)
	}
	out := map[string]statusRow{}
	for _, row := range rows {
		out[row.Kind+" "+row.Name] = row
	}
	return out
}

func TestBootOrderingAndSubsetByName(t *testing.T) {
	needImages(t, imageRedis, imageSSDB)
	e := newEnv(t, "order")
	redis, apiPort, ssdb := freePort(t), freePort(t), freePort(t)
	e.write(`version: 1
project: {{project}}
workspace: ./ws
infra:
  redis:
    image: ` + imageRedis + `
    ports: ["` + itoa(redis) + `:6379"]
    health: {cmd: ["redis-cli", "ping"], interval: 1s}
  ssdb:
    image: ` + imageSSDB + `
    ports: ["` + itoa(ssdb) + `:8888"]
    health: {cmd: ["/standin", "health"], interval: 1s}
services:
` + service("api", e.workerRepo("api", nil), "redis", `WORKER_DIAL: "${CRISPIFY_HOST}:`+itoa(redis)+`", WORKER_LISTEN: "`+itoa(apiPort)+`"`, "{tcp: "+itoa(apiPort)+"}") +
		service("mailer", e.workerRepo("mailer", nil), "api", `WORKER_DIAL: "127.0.0.1:`+itoa(apiPort)+`", WORKER_SAY: mailer up`, `{log: "mailer up"}`) +
		service("other", e.workerRepo("other", nil), "ssdb", `WORKER_SAY: other up`, `{log: "other up"}`) + `
  docs:
    repo: ` + e.workerRepo("docs", nil) + "\n")

	r := e.crispify("-d", "--output", "json", "mailer").must(t, 0)
	for _, bad := range []string{`"phase":"exited"`, `"phase":"restarting"`, `"phase":"failed"`} {
		if strings.Contains(r.stdout, bad) {
			t.Errorf("a worker that dials what it needs at start failed (%s):\n%s", bad, r.stdout)
		}
	}
	st := e.status()
	for _, want := range []string{"worker api", "worker mailer"} {
		if st[want].State != "ready" {
			t.Errorf("%s: %+v", want, st[want])
		}
	}
	if st["worker other"].State != "stopped" {
		t.Errorf("other was started though mailer does not need it: %+v", st["worker other"])
	}
	if exec.Command("docker", "inspect", e.project+"-ssdb").Run() == nil {
		t.Error("ssdb was started though mailer does not need it")
	}
	if _, err := os.Stat(filepath.Join(e.dir, "ws", "docs")); err == nil {
		t.Error("docs was cloned though mailer does not need it")
	}
	pids := append(e.pids("api"), e.pids("mailer")...)
	e.freeUnnamed(e.run("decrispify").must(t, 0))
	if left := waitGone(pids, time.Second); len(left) > 0 {
		t.Errorf("processes left after decrispify: %v", left)
	}
}

func TestKilledWorkerRestartsAndCrashLoopTurnsSick(t *testing.T) {
	needEngine(t)
	e := newEnv(t, "restart")
	port := freePort(t)
	e.write(head + "services:\n" + service("steady", e.workerRepo("steady", nil), "", `WORKER_LISTEN: "`+itoa(port)+`"`, "{tcp: "+itoa(port)+"}") +
		service("crashy", e.workerRepo("crashy", nil), "", `WORKER_SAY: crashy up, WORKER_EXIT_AFTER: 300ms`, `{log: "crashy up"}`))
	e.crispify("-d").must(t, 0)

	first := e.pids("steady")
	if len(first) != 1 {
		t.Fatalf("steady's pids: %v", first)
	}
	e.mustBeAlive("steady", first...)
	if err := syscall.Kill(first[0], syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	restarted := eventually(10*time.Second, func() bool {
		s := e.status()["worker steady"]
		return s.State == "ready" && strings.Contains(s.Detail, "1 restarts") && !strings.Contains(s.Detail, "pid "+itoa(first[0]))
	})
	if !restarted {
		t.Errorf("steady not restarted after kill -9: %+v", e.status()["worker steady"])
	}
	log, _ := os.ReadFile(filepath.Join(e.dir, "ws", ".crispify", "logs", "supervisor-"+e.project+".log"))
	if !strings.Contains(string(log), "steady") || !strings.Contains(string(log), "restarting  in 1s") {
		t.Errorf("no backoff of 1s for steady in the supervisor's log:\n%s", log)
	}
	if !eventually(30*time.Second, func() bool { return e.status()["worker crashy"].State == "sick" }) {
		t.Errorf("a crash-looping worker is not sick: %+v", e.status()["worker crashy"])
	}
	log, _ = os.ReadFile(filepath.Join(e.dir, "ws", ".crispify", "logs", "supervisor-"+e.project+".log"))
	for _, gap := range []string{"in 1s", "in 2s"} {
		if !strings.Contains(string(log), gap) {
			t.Errorf("supervisor log lacks a backoff %q", gap)
		}
	}
}

// foreground starts crispify in the foreground and waits until every
// worker of names is ready.
func (e *env) foreground(names ...string) *exec.Cmd {
	e.t.Helper()
	cmd, out := e.startCrispify()
	ok := eventually(60*time.Second, func() bool {
		for _, n := range names {
			if e.status()["worker "+n].State != "ready" {
				return false
			}
		}
		return true
	})
	if !ok {
		text, _ := os.ReadFile(out.Name())
		e.t.Fatalf("workers %v not ready:\n%s", names, text)
	}
	return cmd
}

func stubbornManifest(e *env) {
	e.write(head + "services:\n" + service("stubborn", e.workerRepo("stubborn", nil), "", `WORKER_IGNORE_TERM: "1", WORKER_CHILD: "1", WORKER_SAY: up`, `{log: up}`) +
		service("plain", e.workerRepo("plain", nil), "", `WORKER_CHILD: "1", WORKER_SAY: up`, `{log: up}`))
}

func TestSIGINTEndsEveryWorkerProcessWithin11s(t *testing.T) {
	needEngine(t)
	e := newEnv(t, "sigint")
	stubbornManifest(e)
	cmd := e.foreground("stubborn", "plain")
	pids := append(e.pids("stubborn"), e.pids("plain")...)
	if len(pids) != 4 {
		t.Fatalf("want 2 workers and 2 grandchildren, got pids %v", pids)
	}
	e.mustBeAlive("workers and their children", pids...)
	start := time.Now()
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if left := waitGone(pids, 11*time.Second); len(left) > 0 {
		t.Errorf("still running %s after SIGINT: %v", time.Since(start), left)
	}
	err := cmd.Wait()
	if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() != 130 {
		t.Errorf("crispify after SIGINT: %v, want exit 130", err)
	}
	t.Logf("every worker process gone %s after SIGINT (one ignores SIGTERM)", time.Since(start).Round(100*time.Millisecond))
}

func TestSIGKILLOfCrispifyLeavesNoWorker(t *testing.T) {
	needEngine(t)
	e := newEnv(t, "sigkill")
	stubbornManifest(e)
	cmd := e.foreground("stubborn", "plain")
	pids := append(e.pids("stubborn"), e.pids("plain")...)
	e.mustBeAlive("workers and their children", pids...)
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if left := waitGone(pids, 12*time.Second); len(left) > 0 {
		t.Errorf("processes outlived crispify's SIGKILL by 12s: %v", left)
		// The next run ends them: decrispify reads the state file.
		e.run("decrispify").must(t, 0)
		if left := waitGone(left, 11*time.Second); len(left) > 0 {
			t.Errorf("and decrispify did not end them either: %v", left)
		}
	}
	// The next run starts cleanly: no stale socket or lock stops it.
	e.crispify("-d").must(t, 0)
}

func TestDetachStatusLogsDecrispifyLeaveNothing(t *testing.T) {
	needImages(t, imageRedis)
	e := newEnv(t, "detach")
	port := freePort(t)
	e.write(head + redisInfra + "services:\n" + service("api", e.workerRepo("api", nil), "redis", `WORKER_LISTEN: "`+itoa(port)+`", WORKER_SAY: api listening, WORKER_CHILD: "1"`, "{tcp: "+itoa(port)+"}"))
	e.crispify("-d").must(t, 0)
	before := e.workerPIDs("api")
	// A second -d applies to the running stack: nothing changed, so
	// nothing restarts.
	r := e.crispify("-d").must(t, 0)
	if !strings.Contains(r.stdout, "worker api") || !strings.Contains(r.stdout, "unchanged") {
		t.Errorf("a second -d does not say api is unchanged:\n%s", r.stdout)
	}
	if after := e.workerPIDs("api"); len(before) != 1 || !slices.Equal(before, after) {
		t.Errorf("a second -d restarted api: pids %v, then %v", before, after)
	}
	r = e.crispify("status").must(t, 0)
	for _, want := range []string{"worker  api", "ready", "infra   redis", "healthy"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("status lacks %q:\n%s", want, r.stdout)
		}
	}
	r = e.crispify("logs", "api", "redis").must(t, 0)
	if !strings.Contains(r.stdout, "api   | api listening") || !strings.Contains(r.stdout, "redis | ") {
		t.Errorf("logs:\n%s", r.stdout)
	}
	pids := e.pids("api")
	r = e.run("decrispify").must(t, 0)
	if !strings.Contains(r.stdout, "workers stopped") {
		t.Errorf("decrispify said %q", r.stdout)
	}
	// redis's image declares a volume the manifest does not name: crispify
	// made it, labelled; it stays, and the summary says so and how to remove
	// it (which the cleanup's decrispify --volumes then does).
	if !strings.Contains(r.stdout, "volumes kept ("+e.project+"_redis__data: `") {
		t.Errorf("decrispify does not name the volume it keeps: %q", r.stdout)
	}
	if left := waitGone(pids, time.Second); len(left) > 0 {
		t.Errorf("worker processes left: %v", left)
	}
	for _, f := range []string{"supervisor-" + e.project + ".sock", "supervisor-" + e.project + ".pid"} {
		if _, err := os.Stat(filepath.Join(e.dir, "ws", ".crispify", f)); err == nil {
			t.Errorf("the supervisor's %s is left", f)
		}
	}
	if left := e.docker("ps", "-aq", "--filter", "label=io.crispify.project="+e.project); left != "" {
		t.Errorf("containers left: %s", left)
	}
	e.crispify("status").must(t, 1)
}

func TestSetupRerunsOnlyWhenItsLockfileChanges(t *testing.T) {
	needEngine(t)
	e := newEnv(t, "setup")
	e.write(head + `services:
  app:
    repo: ` + e.workerRepo("app", map[string]string{"package-lock.json": "{\"v\": 1}\n"}) + `
    setup: ["echo ran >> setup-runs.txt", "go build -o worker ."]
    setup_when: [package-lock.json]
    run: ./worker
    env: {WORKER_SAY: app up}
    ready: {log: app up}
`)
	runs := func() int {
		data, _ := os.ReadFile(filepath.Join(e.dir, "ws", "app", "setup-runs.txt"))
		return strings.Count(string(data), "ran")
	}
	cycle := func() {
		e.crispify("-d").must(t, 0)
		e.run("decrispify").must(t, 0)
	}
	cycle()
	if n := runs(); n != 1 {
		t.Fatalf("setup ran %d times after the first boot, want 1", n)
	}
	cycle()
	if n := runs(); n != 1 {
		t.Errorf("setup ran again with nothing changed: %d runs", n)
	}
	lock := filepath.Join(e.dir, "ws", "app", "package-lock.json")
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(lock, later, later); err != nil {
		t.Fatal(err)
	}
	cycle()
	if n := runs(); n != 1 {
		t.Errorf("setup ran again when only the lockfile's time changed: %d runs", n)
	}
	if err := os.WriteFile(lock, []byte("{\"v\": 2}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cycle()
	if n := runs(); n != 2 {
		t.Errorf("setup did not run again after the lockfile changed: %d runs", n)
	}
}

func TestBadWorkersFailClearlyAndHarmNothingElse(t *testing.T) {
	needEngine(t)
	e := newEnv(t, "bad")
	port := freePort(t)
	e.write(head + `services:
  nocmd:
    repo: ` + e.workerRepo("nocmd", nil) + `
    run: no-such-command-crispify
  badsetup:
    repo: ` + e.workerRepo("badsetup", nil) + `
    setup: ["echo compiling the world; exit 4"]
    run: ./worker
` + service("dies", e.workerRepo("dies", nil), "", `WORKER_EXIT_AFTER: 10ms, WORKER_EXIT_CODE: "3"`, "") + `    restart: never
` + service("noport", e.workerRepo("noport", nil), "", `WORKER_SAY: still booting`, "{tcp: "+itoa(port)+", timeout: 3s}") +
		service("good", e.workerRepo("good", nil), "", `WORKER_SAY: good up`, `{log: good up}`))
	r := e.crispify("-d").must(t, 1)
	for _, want := range []string{
		"no-such-command-crispify", "not found",
		"compiling the world", "4",
		"exiting with 3",
		"still booting", "3s",
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if s := e.status()["worker good"]; s.State != "ready" {
		t.Errorf("good is %+v: one bad worker must not harm the others", s)
	}
}
