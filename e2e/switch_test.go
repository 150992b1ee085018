package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

var switchRepos = []string{"api", "web", "mailer", "billing", "search", "docs"}

// switchManifest: six repos, api and web with a feature branch; api keeps
// rows in MariaDB and keys in Redis, web messages in RabbitMQ; mailer,
// billing and search need no infra; docs runs nothing.
func (e *env) switchManifest(mysql, redis, rabbit int) string {
	text := head + `infra:
  mysql:
    image: ` + imageMariaDB + `
    ports: ["` + itoa(mysql) + `:3306"]
    env: {MYSQL_ROOT_PASSWORD: crisp, MYSQL_DATABASE: crisp, MYSQL_USER: crisp, MYSQL_PASSWORD: crisp}
    volumes: ["data:/var/lib/mysql"]
    health: {cmd: ["healthcheck.sh", "--connect", "--innodb_initialized"], interval: 1s, retries: 120}
  redis:
    image: ` + imageRedis + `
    ports: ["` + itoa(redis) + `:6379"]
    volumes: ["data:/data"]
    health: {cmd: ["redis-cli", "ping"], interval: 1s}
  rabbitmq:
    image: ` + imageRabbitMQ + `
    ports: ["` + itoa(rabbit) + `:5672"]
    env: {RABBITMQ_DEFAULT_USER: crisp, RABBITMQ_DEFAULT_PASS: crisp}
    volumes: ["data:/var/lib/rabbitmq"]
    health: {cmd: ["rabbitmq-diagnostics", "-q", "ping"], interval: 1s, retries: 120}
services:
`
	for _, name := range switchRepos {
		text += "  " + name + ":\n    repo: " + e.scriptRepo(name, name == "api" || name == "web") + "\n"
		switch name {
		case "docs":
		case "api":
			text += "    run: ./run.sh\n    needs: [mysql, redis]\n"
		case "web":
			text += "    run: ./run.sh\n    needs: [rabbitmq]\n"
		default:
			text += "    run: ./run.sh\n"
		}
	}
	return text
}

// dataEvents are the data events of a --output json run, as "infra phase".
func dataEvents(t *testing.T, stdout string) []string {
	t.Helper()
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var ev struct{ Kind, Name, Phase string }
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("not an event: %q: %v", line, err)
		}
		if ev.Kind == "data" {
			out = append(out, ev.Name+" "+ev.Phase)
		}
	}
	return out
}

// A day of three switches on a running stack: a dirty repo blocks the
// first and nothing moves; then master's rows, keys and queued messages
// are copied to feature, which migrates its schema; back on master, all of
// master's data is as it was; on feature again, with no copy, the
// migration is there. The workers whose repo never moved and that need no
// infra keep their pids throughout.
func TestSwitchCarriesEachBranchsData(t *testing.T) {
	t.Parallel() // a project and ports of its own; mostly waiting on containers
	needImages(t, imageMariaDB, imageRedis, imageRabbitMQ)
	e := newEnv(t, "switch")
	mysql, redis, rabbit := freePort(t), freePort(t), freePort(t)
	e.write(e.switchManifest(mysql, redis, rabbit))
	e.crispify("-d").must(t, 0)

	e.sql("CREATE TABLE orders (id INT PRIMARY KEY, item TEXT); INSERT INTO orders VALUES (1, 'tea');")
	e.docker("exec", e.project+"-redis", "redis-cli", "set", "greeting", "master's")
	e.publish(e.rabbit(rabbit), "jobs", "one", "two", "three")
	steady := map[string][]int{}
	for _, n := range []string{"mailer", "billing", "search"} {
		steady[n] = e.workerPIDs(n)
	}
	branchOf := func(name string) string {
		out, err := exec.Command("git", "-C", e.ws(name), "rev-parse", "--abbrev-ref", "HEAD").Output()
		if err != nil {
			t.Fatalf("branch of %s: %v", name, err)
		}
		return strings.TrimSpace(string(out))
	}
	containers := map[string]string{}
	for _, in := range []string{"mysql", "redis", "rabbitmq"} {
		containers[in] = e.containerID(in)
	}

	// A change feature would overwrite blocks the switch: nothing moves.
	script := e.ws("api", "run.sh")
	orig, _ := os.ReadFile(script)
	os.WriteFile(script, append(orig, "# mine\n"...), 0o755)
	r := e.crispify("switch", "feature").must(t, 1)
	if !strings.Contains(r.stderr, "api: uncommitted changes in run.sh, which feature changes too: commit or stash them") {
		t.Errorf("a blocked switch does not name api and what to do:\n%s", r.stderr)
	}
	for _, n := range switchRepos {
		if got := branchOf(n); got != "master" {
			t.Errorf("a blocked switch moved %s to %s", n, got)
		}
	}
	for in, id := range containers {
		if got := e.containerID(in); got != id {
			t.Errorf("a blocked switch recreated %s", in)
		}
	}
	os.WriteFile(script, orig, 0o755)

	// To feature, the first time: each infra's data copied.
	r = e.crispify("--output", "json", "switch", "feature").must(t, 0)
	for _, in := range []string{"mysql", "redis", "rabbitmq"} {
		if got := dataEvents(t, r.stdout); !slices.Contains(got, in+" copied") || !slices.Contains(got, in+" swapped") {
			t.Errorf("%s's data was not copied and swapped: %q", in, got)
		}
	}
	for _, n := range switchRepos {
		want := "master"
		if n == "api" || n == "web" {
			want = "feature"
		}
		if got := branchOf(n); got != want {
			t.Errorf("after switch feature, %s is on %s, want %s", n, got, want)
		}
	}
	if !eventually(10*time.Second, func() bool { return strings.Contains(e.workerLog("api"), "api on feature") }) {
		t.Errorf("api does not run feature's code:\n%s", e.workerLog("api"))
	}
	if got := e.sql("SELECT item FROM orders ORDER BY id;"); got != "tea" {
		t.Errorf("feature's copy of orders: %q, want master's row", got)
	}
	if got := e.docker("exec", e.project+"-redis", "redis-cli", "get", "greeting"); got != "master's" {
		t.Errorf("feature's copy of greeting: %q", got)
	}
	if got := e.queued(rabbit, "jobs"); got != 3 {
		t.Errorf("feature's copy of the jobs queue holds %d messages, want 3", got)
	}

	// feature migrates and moves on.
	e.sql("ALTER TABLE orders ADD COLUMN paid INT NOT NULL DEFAULT 0; INSERT INTO orders VALUES (2, 'cake', 1);")
	e.docker("exec", e.project+"-redis", "redis-cli", "set", "greeting", "feature's")
	ch := e.rabbit(rabbit)
	if _, ok, err := ch.Get("jobs", true); !ok || err != nil {
		t.Fatalf("take a job on feature: %v %v", ok, err)
	}

	// Back: master's data as it was, unmigrated.
	r = e.crispify("--output", "json", "switch", "-").must(t, 0)
	if got := dataEvents(t, r.stdout); slices.Contains(got, "mysql copying") || !slices.Contains(got, "mysql swapped") {
		t.Errorf("back to master: data events %q, want a swap and no copy", got)
	}
	if got := branchOf("api"); got != "master" {
		t.Errorf("after switch -, api is on %s", got)
	}
	if got := e.sql("SELECT COUNT(*) FROM information_schema.columns WHERE table_name = 'orders' AND column_name = 'paid';"); got != "0" {
		t.Errorf("master's orders has feature's migration (%s paid columns)", got)
	}
	if got := e.sql("SELECT item FROM orders ORDER BY id;"); got != "tea" {
		t.Errorf("master's orders: %q", got)
	}
	if got := e.docker("exec", e.project+"-redis", "redis-cli", "get", "greeting"); got != "master's" {
		t.Errorf("master's greeting: %q", got)
	}
	if got := e.queued(rabbit, "jobs"); got != 3 {
		t.Errorf("master's jobs queue holds %d messages, want 3", got)
	}

	// feature again: a swap, no copy, the migration there.
	r = e.crispify("--output", "json", "switch", "feature").must(t, 0)
	got := dataEvents(t, r.stdout)
	for _, in := range []string{"mysql", "redis", "rabbitmq"} {
		if slices.Contains(got, in+" copying") || !slices.Contains(got, in+" swapped") {
			t.Errorf("feature again: data events %q, want %s swapped with no copy", got, in)
		}
	}
	if got := e.sql("SELECT id, item, paid FROM orders ORDER BY id;"); got != "1\ttea\t0\n2\tcake\t1" {
		t.Errorf("feature's orders: %q", got)
	}
	if got := e.docker("exec", e.project+"-redis", "redis-cli", "get", "greeting"); got != "feature's" {
		t.Errorf("feature's greeting: %q", got)
	}
	if got := e.queued(rabbit, "jobs"); got != 2 {
		t.Errorf("feature's jobs queue holds %d messages, want 2", got)
	}
	for n, pids := range steady {
		if got := e.workerPIDs(n); !slices.Equal(got, pids) {
			t.Errorf("%s restarted through the switches: %v, then %v", n, pids, got)
		}
	}
	if b, err := os.ReadFile(filepath.Join(e.ws(".crispify"), "switch.json")); err != nil || !strings.Contains(string(b), `"data": "feature"`) {
		t.Errorf("switch.json: %s (%v)", b, err)
	}
}
