package e2e

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestRemoteEngine runs the infra on a second Docker engine reached over
// ssh://, the workers here: one engine for all the cases, which each use a
// project of their own.
func TestRemoteEngine(t *testing.T) {
	re := startRemoteEngine(t, "e2e"+strconv.Itoa(os.Getpid()%100000), imageRedis)

	t.Run("UnreachableIsClear", func(t *testing.T) { remoteUnreachable(t, re) })
	t.Run("InfraThereWorkersHereThroughTunnels", func(t *testing.T) { remoteStack(t, re) })
	t.Run("AnotherOwnersProjectIsRefusedUntouched", func(t *testing.T) { remoteOtherOwner(t, re) })
}

func remoteUnreachable(t *testing.T, re *remoteEngine) {
	e := newEnv(t, "rdown")
	e.write(head + redisInfra)
	// Port 1 of the second engine's own address: nothing listens there.
	e.extraEnv = append(re.env(), "DOCKER_HOST=ssh://root@"+re.vars["ADDR"]+":1")
	r := e.crispify("infra").must(t, 1)
	for _, want := range []string{
		"connect to the docker engine at ssh://root@" + re.vars["ADDR"] + ":1 (from DOCKER_HOST)",
		"Connection refused",
		"try `ssh root@" + re.vars["ADDR"] + " -p 1 docker version`",
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if r.took > 20*time.Second {
		t.Errorf("took %s to say the engine is unreachable", r.took)
	}
	e.extraEnv = re.env() // the cleanup's decrispify: the real second engine
}

func remoteStack(t *testing.T, re *remoteEngine) {
	e := newEnv(t, "rstack")
	e.extraEnv = re.env()
	port := freePort(t)
	conf := filepath.Join(e.dir, "conf")
	if err := os.MkdirAll(conf, 0o755); err != nil {
		t.Fatal(err)
	}
	const config = "# crispify e2e: copied to the remote engine\nprotected-mode no\nmaxmemory 12345678\n"
	if err := os.WriteFile(filepath.Join(conf, "redis.conf"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("testdata/redisworker/main.go")
	if err != nil {
		t.Fatal(err)
	}
	e.write(head + `infra:
  redis:
    image: ` + imageRedis + `
    ports: ["` + itoa(port) + `:6379"]
    volumes: ["./conf:/usr/local/etc/redis:ro"]
    command: ["redis-server", "/usr/local/etc/redis/redis.conf"]
    health: {cmd: ["redis-cli", "ping"], interval: 1s}
services:
` + service("counter", e.workerRepo("counter", map[string]string{"main.go": string(src)}), "redis", `REDIS_ADDR: "${CRISPIFY_HOST}:`+itoa(port)+`"`, `{log: "redis ok"}`))

	e.crispify("-d").must(t, 0)
	container := e.project + "-redis"

	// The infra runs on the second engine, published on its 127.0.0.1 only;
	// nothing of the project is on the first.
	if id := re.docker("ps", "-q", "--filter", "name=^"+container+"$"); id == "" {
		t.Fatalf("%s does not run on the second engine", container)
	}
	if local := e.docker("ps", "-aq", "--filter", "label=io.crispify.project="+e.project); local != "" {
		t.Errorf("containers of the project on the first engine: %s", local)
	}
	if nets := e.docker("network", "ls", "-q", "--filter", "label=io.crispify.project="+e.project); nets != "" {
		t.Errorf("networks of the project on the first engine: %s", nets)
	}
	if ip := re.docker("inspect", "--format", "{{range $p, $b := .HostConfig.PortBindings}}{{range $b}}{{.HostIp}}{{end}}{{end}}", container); ip != "127.0.0.1" {
		t.Errorf("published on %q on the second engine, want its 127.0.0.1 only", ip)
	}
	if owner := re.docker("inspect", "--format", `{{index .Config.Labels "io.crispify.owner"}}`, container); !strings.Contains(owner, "@") {
		t.Errorf("owner label %q, want user@host", owner)
	}

	// The bind-mounted file reached the container before it started: the
	// copy is in it, and Redis runs with its settings.
	if got := re.docker("exec", container, "cat", "/usr/local/etc/redis/redis.conf"); got != strings.TrimSpace(config) {
		t.Errorf("config in the container:\n%s\nwant:\n%s", got, config)
	}
	if !eventually(10*time.Second, func() bool { return strings.Contains(e.workerLog("counter"), "maxmemory=12345678") }) {
		t.Errorf("the worker did not read the copied config's maxmemory through the tunnel:\n%s", e.workerLog("counter"))
	}

	// The worker, here, writes to Redis, there, through the tunnel.
	counter := func() int {
		n, _ := strconv.Atoi(re.docker("exec", container, "redis-cli", "get", "crispify-e2e-counter"))
		return n
	}
	if !eventually(10*time.Second, func() bool { return counter() > 3 }) {
		t.Fatalf("the worker's writes did not reach the second engine's Redis (counter %d):\n%s", counter(), e.workerLog("counter"))
	}
	st := e.status()
	if row := st["infra redis"]; row.State != "healthy" || !strings.Contains(row.Detail, "tunnel up") {
		t.Errorf("status of redis: %+v, want healthy with its tunnel up", row)
	}

	// A dropped connection: the tunnel comes back by itself, and the
	// worker, after its own reconnect, keeps writing.
	if n := re.dropConnections(); n == 0 {
		t.Fatal("no ssh connection to the second engine to drop")
	}
	dropped := counter()
	if !eventually(20*time.Second, func() bool {
		row := e.status()["infra redis"]
		return row.State == "healthy" && strings.Contains(row.Detail, "tunnel up") && counter() > dropped+5
	}) {
		t.Errorf("after the drop: status %+v, counter %d (was %d)\nworker:\n%s", e.status()["infra redis"], counter(), dropped, e.workerLog("counter"))
	}
	log, _ := os.ReadFile(filepath.Join(e.dir, "ws", ".crispify", "logs", "supervisor-"+e.project+".log"))
	for _, want := range []string{"tunnel down (ssh: Connection to " + re.vars["ADDR"] + " closed by remote host): reconnecting in 1s", "tunnel back up after"} {
		if !strings.Contains(string(log), want) {
			t.Errorf("the supervisor's log lacks %q:\n%s", want, log)
		}
	}
	for _, line := range strings.Split(string(log), "\n") {
		if strings.Contains(line, "tunnel") {
			t.Log("supervisor: " + strings.TrimSpace(line))
		}
	}
	if w := e.workerLog("counter"); strings.Count(w, "redis ok") < 2 {
		t.Errorf("the worker did not say it was back:\n%s", w)
	}

	// decrispify: the container gone from the second engine, and no ssh
	// process of crispify's left here.
	e.run("decrispify").must(t, 0)
	if id := re.docker("ps", "-aq", "--filter", "label=io.crispify.project="+e.project); id != "" {
		t.Errorf("containers left on the second engine: %s", id)
	}
	if !eventually(5*time.Second, func() bool { return len(sshProcessesTo(re.vars["ADDR"])) == 0 }) {
		t.Errorf("ssh processes left: %q", sshProcessesTo(re.vars["ADDR"]))
	}
}

func remoteOtherOwner(t *testing.T, re *remoteEngine) {
	e := newEnv(t, "rowner")
	e.extraEnv = re.env()
	e.write(head + redisInfra)
	// Bob's container of the same project name, on the shared engine.
	name := e.project + "-redis"
	re.docker("run", "-d", "--name", name, "--label", "io.crispify.project="+e.project, "--label", "io.crispify.infra=redis",
		"--label", "io.crispify.owner=bob@elsewhere", imageRedis)
	t.Cleanup(func() { re.docker("rm", "-f", "-v", name) })
	inspect := func() string {
		return re.docker("inspect", "--format", "{{.Id}} {{.State.Status}} {{.State.StartedAt}} {{.RestartCount}} {{json .Config.Labels}}", name)
	}
	before := inspect()

	for _, args := range [][]string{{"infra"}, {"-d"}} {
		r := e.crispify(args...).must(t, 1)
		for _, want := range []string{"belongs to bob@elsewhere, not to you", "container " + name, "--project NAME or CRISPIFY_PROJECT=NAME"} {
			if !strings.Contains(r.stderr, want) {
				t.Errorf("crispify %v: stderr lacks %q:\n%s", args, want, r.stderr)
			}
		}
		e.run("decrispify") // the -d's supervisor
	}
	r := e.run("decrispify").must(t, 1)
	if !strings.Contains(r.stderr, "bob@elsewhere") {
		t.Errorf("decrispify does not name the owner it left alone:\n%s", r.stderr)
	}
	if after := inspect(); after != before {
		t.Errorf("another owner's container changed:\nbefore %s\nafter  %s", before, after)
	}
	if nets := re.docker("network", "ls", "-q", "--filter", "name=^"+e.project+"$"); nets != "" {
		t.Errorf("a network was created though the project was refused: %s", nets)
	}

	// Under a name of their own, the same manifest works beside Bob's.
	mine := e.project + "-alice"
	e.crispify("--project", mine, "infra").must(t, 0)
	if id := re.docker("ps", "-q", "--filter", "name=^"+mine+"-redis$"); id == "" {
		t.Error("--project did not name the containers")
	}
	e.run("decrispify", "--project", mine).must(t, 0)
	if after := inspect(); after != before {
		t.Errorf("another owner's container changed:\nbefore %s\nafter  %s", before, after)
	}
	e.extraEnv = append(e.extraEnv, "CRISPIFY_PROJECT="+mine) // the cleanup's decrispify must not fail on Bob's
}
