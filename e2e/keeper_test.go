package e2e

import (
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// redisClient is a worker that needs Redis as a service does: it connects,
// says so once PING is answered, and exits 1 when the connection ends
// (Redis stopping closes its clients), or when it cannot connect.
const redisClient = `exec 3<>/dev/tcp/127.0.0.1/$REDIS_PORT || exit 1
printf 'PING\r\n' >&3
read -r reply <&3
reply=${reply%$'\r'}
echo "redis says ${reply#+}"
while read -r _ <&3; do :; done
echo "redis went away"
exit 1
`

// workerBackoff finds the wait of the cache worker's row: "restarting in 4s".
var workerBackoff = regexp.MustCompile(`(?m)^\s*cache\s.*\bin (\d+)s`)

// screenWithin polls a board every 50 ms until every pattern matches it,
// and returns when it did; the test fails after d.
func screenWithin(t *testing.T, tm *tmux, d time.Duration, what string, patterns ...string) (time.Time, string) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		screen := tm.screen()
		ok := true
		for _, p := range patterns {
			ok = ok && regexp.MustCompile(p).MatchString(screen)
		}
		if ok {
			return time.Now(), screen
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: the board did not show %q within %s:\n%s", what, patterns, d, screen)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A container stopped behind crispify's back (docker stop) is shown dead on
// the board of status --watch within 2 s, started again by the supervisor,
// with backoff, and the worker that needs it, waiting in its own restart
// backoff meanwhile, runs again within 2 s of the container being healthy,
// long before that backoff ends. A `crispify stop` is not fought.
func TestAContainerStoppedBehindCrispifysBackComesBackAndSoDoesItsWorker(t *testing.T) {
	needImages(t, imageRedis)
	e := newEnv(t, "keep")
	port := freePort(t)
	e.write(head + `infra:
  redis:
    image: ` + imageRedis + `
    ports: ["` + itoa(port) + `:6379"]
    health: {cmd: ["redis-cli", "ping"], interval: 1s}
services:
  cache:
    repo: ` + e.workerRepo("cache", map[string]string{"client.sh": redisClient}) + `
    run: bash client.sh
    needs: [redis]
    env: {REDIS_PORT: "` + itoa(port) + `"}
    ready: {log: "redis says PONG"}
`)
	e.crispify("-d").must(t, 0)
	tm := startTmux(t, e, filepath.Join(bin, "crispify")+" -f "+e.manifest+" status --watch")
	screenWithin(t, tm, 30*time.Second, "the stack", `redis\s+✓ healthy`, `cache\s+✓ ready`)
	container := e.project + "-redis"

	// A stop of crispify's own is not fought: past the first backoff, the
	// container is still stopped, and a restart by crispify brings it back.
	e.crispify("stop", "redis").must(t, 0)
	screenWithin(t, tm, 2*time.Second, "crispify stop", `redis\s+✗ dead\s.*stopped by you`)
	time.Sleep(2500 * time.Millisecond)
	if state := e.docker("inspect", "--format", "{{.State.Status}}", container); state != "exited" {
		t.Fatalf("redis is %s after crispify stop: crispify fought its own stop", state)
	}
	e.crispify("restart", "redis").must(t, 0)
	screenWithin(t, tm, 10*time.Second, "crispify restart", `redis\s+✓ healthy`)

	for round := 1; round <= 3; round++ {
		if state := e.docker("inspect", "--format", "{{.State.Status}}", container); state != "running" {
			t.Fatalf("round %d: redis is %q before the test stops it", round, state)
		}
		connected := strings.Count(e.workerLog("cache"), "redis says PONG")
		if connected == 0 || len(pidsOf("bash client.sh")) == 0 {
			t.Fatalf("round %d: the worker is not connected before the test stops redis:\n%s", round, e.workerLog("cache"))
		}

		e.docker("stop", container) // behind crispify's back
		stopped := time.Now()
		shown, screen := screenWithin(t, tm, 2*time.Second, "redis stopped", `redis\s+✗ dead`)
		if !strings.Contains(screen, "starting it again in") {
			t.Errorf("round %d: the dead row does not say it is started again:\n%s", round, screen)
		}
		t.Logf("round %d: shown dead %s after docker stop returned", round, shown.Sub(stopped).Round(time.Millisecond))

		// The worker exited with redis and waits out its backoff.
		backoff, screen := screenWithin(t, tm, 2*time.Second, "the worker waiting", workerBackoff.String())
		wait, _ := strconv.Atoi(workerBackoff.FindStringSubmatch(screen)[1])
		waitEnds := backoff.Add(time.Duration(wait) * time.Second)

		healthy, _ := screenWithin(t, tm, 20*time.Second, "redis started again", `redis\s+✓ healthy`)
		if state := e.docker("inspect", "--format", "{{.State.Status}}", container); state != "running" {
			t.Fatalf("round %d: the board says healthy and redis is %s", round, state)
		}
		if !eventuallyEvery(50*time.Millisecond, 2*time.Second, func() bool {
			return strings.Count(e.workerLog("cache"), "redis says PONG") > connected
		}) {
			t.Fatalf("round %d: the worker did not connect again within 2 s of redis being healthy (%s after the stop):\n%s",
				round, healthy.Sub(stopped).Round(time.Millisecond), e.workerLog("cache"))
		}
		connectedAt := time.Now()
		t.Logf("round %d: healthy %s after the stop, worker connected %s after that, %s before its backoff of %ds would have ended", round,
			healthy.Sub(stopped).Round(time.Millisecond), connectedAt.Sub(healthy).Round(time.Millisecond), waitEnds.Sub(connectedAt).Round(time.Millisecond), wait)
		if (wait >= 2 && !connectedAt.Before(waitEnds.Add(-time.Second))) || (round == 3 && wait < 4) {
			t.Errorf("round %d: the worker waited %ds and connected %s before that ended: no start at once, or no backoff to cut short", round, wait, waitEnds.Sub(connectedAt))
		}
	}
	if row := e.status()["infra redis"]; row.State != "healthy" {
		t.Errorf("status after the rounds: %+v", row)
	}
}

// decrispify from another terminal while status --watch runs: the board
// shows the containers gone within 2 s of their removal, not healthy.
func TestTheBoardShowsTheContainersDecrispifyRemoves(t *testing.T) {
	boardSeesDecrispify(t, "gone", "status --watch")
}

// The same on the board of a foreground crispify, which decrispify stops
// before it removes the containers.
func TestTheForegroundBoardShowsTheContainersDecrispifyRemoves(t *testing.T) {
	boardSeesDecrispify(t, "fggone", "")
}

// boardSeesDecrispify boots a stack of two containers and a worker, opens
// a board with `crispify -f MANIFEST command` on a terminal, runs
// decrispify in a second process and checks the board.
func boardSeesDecrispify(t *testing.T, name, command string) {
	needImages(t, imageRedis)
	e := newEnv(t, name)
	e.write(head + `infra:
  redis:
    image: ` + imageRedis + `
    health: {cmd: ["redis-cli", "ping"], interval: 1s}
  sessions:
    image: ` + imageRedis + `
    health: {cmd: ["redis-cli", "ping"], interval: 1s}
services:
  api:
    repo: ` + e.workerRepo("api", nil) + `
    setup: ["go build -o worker ."]
    run: ./worker
    needs: [redis, sessions]
`)
	if command != "" {
		e.crispify("-d").must(t, 0)
	}
	tm := startTmux(t, e, filepath.Join(bin, "crispify")+" -f "+e.manifest+" "+command)
	screenWithin(t, tm, 60*time.Second, "the stack", `redis\s+✓ healthy`, `sessions\s+✓ healthy`)
	for _, name := range []string{"redis", "sessions"} {
		if state := e.docker("inspect", "--format", "{{.State.Status}}", e.project+"-"+name); state != "running" {
			t.Fatalf("%s is %s before decrispify", name, state)
		}
	}

	e.run("decrispify", "--volumes", "--yes").must(t, 0) // a second process
	removed := time.Now()
	if left := e.docker("ps", "-aq", "--filter", "label=io.crispify.project="+e.project); left != "" {
		t.Fatalf("decrispify left containers: %s", left)
	}
	_, screen := screenWithin(t, tm, 2*time.Second, "the containers removed", `redis\s+○ removed`, `sessions\s+○ removed`)
	if strings.Contains(screen, "✓ healthy") {
		t.Errorf("the board still shows a container healthy:\n%s", screen)
	}
	t.Logf("the board showed the removals within %s", time.Since(removed).Round(time.Millisecond))
	tm.keys("q")
	tm.waitFor(10*time.Second, `EXIT=0`)
}

// eventuallyEvery is eventually, polling every step.
func eventuallyEvery(step, d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		time.Sleep(step)
	}
	return cond()
}
