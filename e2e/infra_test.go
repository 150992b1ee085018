package e2e

import (
	"bytes"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// sixInfra is the six infrastructure services on local images, each
// publishing one port on a free host port.
func sixInfra(t *testing.T) string {
	ports := map[string]string{}
	for _, name := range []string{"RABBIT", "MONGO", "MYSQL", "REDIS", "SSDB", "ES"} {
		ports["{{"+name+"}}"] = itoa(freePort(t))
	}
	text := `version: 1
project: {{project}}
workspace: ./ws
infra:
  rabbitmq:
    image: ` + imageRabbitMQ + `
    ports: ["{{RABBIT}}:5672"]
    env: {RABBITMQ_DEFAULT_USER: crisp, RABBITMQ_DEFAULT_PASS: crisp}
    volumes: ["data:/var/lib/rabbitmq"]
    health: {cmd: ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/5672"], interval: 1s, retries: 120}
  mongodb:
    image: ` + imageFerretDB + `
    ports: ["{{MONGO}}:27017"]
    volumes: ["db:/data"]
    health: {cmd: ["/ferretdb", "health"], interval: 1s}
  mysql:
    image: ` + imageMariaDB + `
    ports: ["{{MYSQL}}:3306"]
    env: {MYSQL_ROOT_PASSWORD: crisp, MYSQL_DATABASE: crisp, MYSQL_USER: crisp, MYSQL_PASSWORD: crisp}
    volumes: ["data:/var/lib/mysql"]
    health: {cmd: ["healthcheck.sh", "--connect", "--innodb_initialized"], interval: 1s, retries: 120}
  redis:
    image: ` + imageRedis + `
    ports: ["{{REDIS}}:6379"]
    volumes: ["data:/data"]
    health: {cmd: ["redis-cli", "ping"], interval: 1s}
  ssdb:
    image: ` + imageSSDB + `
    ports: ["{{SSDB}}:8888"]
    health: {cmd: ["/standin", "health"], interval: 1s}
  elasticsearch:
    image: ` + imageES + `
    ports: ["{{ES}}:9200"]
    needs: [redis]
    health: {cmd: ["/standin", "health"], interval: 1s}
`
	for k, v := range ports {
		text = strings.ReplaceAll(text, k, v)
	}
	return text
}

var allImages = []string{imageRedis, imageRabbitMQ, imageMariaDB, imageFerretDB, imageES, imageSSDB}
var infraNames = []string{"rabbitmq", "mongodb", "mysql", "redis", "ssdb", "elasticsearch"}

func TestInfraSixUpIdempotentRecreateKeepsData(t *testing.T) {
	needImages(t, allImages...)
	e := newEnv(t, "six")
	text := sixInfra(t)
	e.write(text)

	r := e.crispify("infra").must(t, 0)
	ids := map[string]string{}
	// Healthy as crispify counts it: by its readiness probe, or Docker's
	// health check, whichever passed first.
	rows := e.status()
	for _, name := range infraNames {
		if row := rows["infra "+name]; row.State != "healthy" {
			t.Errorf("%s: %+v after crispify infra returned", name, row)
		}
		if !strings.Contains(r.stdout, name) {
			t.Errorf("summary lacks %s:\n%s", name, r.stdout)
		}
		ids[name] = e.containerID(name)
	}
	t.Logf("cold start of six: %s", r.took)

	// Published ports are on 127.0.0.1 only.
	bindings := e.docker("inspect", "--format", "{{range $p, $b := .HostConfig.PortBindings}}{{range $b}}{{.HostIp}} {{end}}{{end}}", e.project+"-redis")
	if strings.TrimSpace(bindings) != "127.0.0.1" {
		t.Errorf("redis port bindings on %q, want 127.0.0.1 only", bindings)
	}
	if ip := nonLoopbackIP(); ip != "" {
		port := strings.TrimPrefix(e.docker("port", e.project+"-redis", "6379/tcp"), "127.0.0.1:")
		if c, err := net.DialTimeout("tcp", net.JoinHostPort(ip, port), time.Second); err == nil {
			c.Close()
			t.Errorf("redis answers on %s:%s: it must listen on 127.0.0.1 only", ip, port)
		}
	}

	// Second run: nothing changes.
	r = e.crispify("infra").must(t, 0)
	for _, name := range infraNames {
		if id := e.containerID(name); id != ids[name] {
			t.Errorf("%s recreated by a no-op run", name)
		}
	}
	t.Logf("no-op re-run: %s", r.took)

	// Data in redis, then a changed env: only redis is recreated, data kept.
	e.docker("exec", e.project+"-redis", "redis-cli", "set", "crispify-key", "kept")
	e.write(strings.Replace(text, `volumes: ["data:/data"]`, `volumes: ["data:/data"]
    env: {SOMETHING: changed}`, 1))
	e.crispify("infra").must(t, 0)
	for _, name := range infraNames {
		changed := e.containerID(name) != ids[name]
		if changed != (name == "redis") {
			t.Errorf("%s recreated: %v, want %v", name, changed, name == "redis")
		}
	}
	if got := e.docker("exec", e.project+"-redis", "redis-cli", "get", "crispify-key"); got != "kept" {
		t.Errorf("redis data after recreate: %q, want kept", got)
	}
	if left := e.docker("ps", "-aq", "--filter", "name="+e.project+"-redis-replaced"); left != "" {
		t.Errorf("the replaced container was left behind: %s", left)
	}
}

func nonLoopbackIP() string {
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() {
			return n.IP.String()
		}
	}
	return ""
}

func TestInfraUnhealthyFailsFastWithLogs(t *testing.T) {
	needImages(t, imageRedis, imageSSDB)
	e := newEnv(t, "sick")
	e.write(`version: 1
project: {{project}}
infra:
  redis:
    image: ` + imageRedis + `
    health: {cmd: ["redis-cli", "-p", "1", "ping"], interval: 1s, timeout: 2s, retries: 2}
    ready: false    # Docker's verdict is the case here: redis itself answers
  cache:
    image: ` + imageSSDB + `
    needs: [redis]
    health: {cmd: ["/standin", "health"], interval: 1s}
  other:
    image: ` + imageSSDB + `
    health: {cmd: ["/standin", "health"], interval: 1s}
`)
	r := e.crispify("infra").must(t, 1)
	if r.took > 30*time.Second {
		t.Errorf("took %s to report an unhealthy container: it should fail as soon as the engine says so", r.took)
	}
	for _, want := range []string{"redis (container " + e.project + "-redis) is unhealthy", "Ready to accept connections", "crispify logs redis"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if !strings.Contains(r.stdout, "not started: it needs redis, which failed") {
		t.Errorf("the summary does not say why cache did not start:\n%s", r.stdout)
	}
	if exec.Command("docker", "inspect", e.project+"-cache").Run() == nil {
		t.Error("cache was created though redis, which it needs, failed")
	}
	if row := e.status()["infra other"]; row.State != "healthy" {
		t.Errorf("other, which needs nothing, is %+v", row)
	}
}

func TestInfraTakenPortIsNamedAndNothingWrongStarts(t *testing.T) {
	needImages(t, imageRedis, imageSSDB)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := itoa(l.Addr().(*net.TCPAddr).Port)
	e := newEnv(t, "port")
	e.write(`version: 1
project: {{project}}
infra:
  redis:
    image: ` + imageRedis + `
    ports: ["` + port + `:6379"]
    health: {cmd: ["redis-cli", "ping"], interval: 1s}
  cache:
    image: ` + imageSSDB + `
    needs: [redis]
`)
	r := e.crispify("infra").must(t, 1)
	for _, want := range []string{"127.0.0.1:" + port + " is taken by process e2e.test (pid ", "another port in the manifest"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	for _, name := range []string{"redis", "cache"} {
		if exec.Command("docker", "inspect", e.project+"-"+name).Run() == nil {
			t.Errorf("%s was created despite the taken port", name)
		}
	}
	r = e.crispify("doctor").must(t, 1)
	if !strings.Contains(r.stdout, "is taken by process e2e.test") {
		t.Errorf("doctor does not name the port's holder:\n%s", r.stdout)
	}
}

func TestDecrispifyTouchesNothingForeignAndRunsTwice(t *testing.T) {
	needImages(t, imageSSDB)
	e := newEnv(t, "down")
	e.write(`version: 1
project: {{project}}
infra:
  ssdb:
    image: ` + imageSSDB + `
    volumes: ["data:/data"]
    health: {cmd: ["/standin", "health"], interval: 1s}
`)
	e.crispify("infra").must(t, 0)
	foreign := e.project + "-foreign"
	e.docker("create", "--name", foreign, "--label", "io.crispify.project=someone-else", imageSSDB)
	t.Cleanup(func() { exec.Command("docker", "rm", "-f", foreign).Run() })
	e.docker("volume", "create", foreign+"-vol")
	t.Cleanup(func() { exec.Command("docker", "volume", "rm", foreign+"-vol").Run() })

	// Without --yes and without a terminal, --volumes refuses and does nothing.
	r := e.run("decrispify", "--volumes").must(t, 2)
	if !strings.Contains(r.stderr, "add --yes") {
		t.Errorf("stderr %q", r.stderr)
	}
	e.containerID("ssdb")

	r = e.run("decrispify").must(t, 0)
	if !strings.Contains(r.stdout, "1 containers removed") || !strings.Contains(r.stdout, "volumes kept") {
		t.Errorf("summary %q", r.stdout)
	}
	if e.docker("volume", "ls", "-q", "--filter", "name="+e.project+"_ssdb_data") == "" {
		t.Error("data volume removed without --volumes")
	}
	e.run("decrispify", "--volumes", "--yes").must(t, 0)
	e.run("decrispify", "--volumes", "--yes").must(t, 0)
	if e.docker("volume", "ls", "-q", "--filter", "name="+e.project+"_ssdb_data") != "" {
		t.Error("data volume kept with --volumes --yes")
	}
	e.docker("inspect", foreign)
	e.docker("volume", "inspect", foreign+"-vol")
	if nets := e.docker("network", "ls", "-q", "--filter", "name=^"+e.project+"$"); nets != "" {
		t.Errorf("network left: %s", nets)
	}
}

func TestEngineUnreachableIsClearExitOne(t *testing.T) {
	e := newEnv(t, "noengine")
	e.write(`version: 1
project: {{project}}
infra:
  redis: {image: ` + imageRedis + `}
`)
	e.extraEnv = []string{"DOCKER_HOST=unix:///nonexistent/docker.sock"}
	r := e.crispify("infra").must(t, 1)
	for _, want := range []string{"connect to the docker engine at unix:///nonexistent/docker.sock (from DOCKER_HOST)", "is Docker running? try `docker info`"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	e.extraEnv = nil
}

func TestStatusAndLogsOfInfra(t *testing.T) {
	needImages(t, imageRedis)
	e := newEnv(t, "status")
	e.write(`version: 1
project: {{project}}
infra:
  redis:
    image: ` + imageRedis + `
    health: {cmd: ["redis-cli", "ping"], interval: 1s}
`)
	e.crispify("status").must(t, 1)
	e.crispify("infra").must(t, 0)
	r := e.crispify("status", "--json").must(t, 0)
	if !strings.Contains(r.stdout, `"kind": "infra"`) || !strings.Contains(r.stdout, `"state": "healthy"`) {
		t.Errorf("status --json:\n%s", r.stdout)
	}
	r = e.crispify("logs", "--tail", "5", "redis").must(t, 0)
	if !strings.Contains(r.stdout, "redis | ") || !strings.Contains(r.stdout, "Ready to accept connections") {
		t.Errorf("logs:\n%s", r.stdout)
	}
}

func TestPullFailureNamesTheImageAndPullKeepsLocalImages(t *testing.T) {
	needImages(t, imageSSDB)
	e := newEnv(t, "pull")
	e.write(`version: 1
project: {{project}}
infra:
  ghost:
    image: crispify-e2e/no-such-image:1
  ssdb:
    image: ` + imageSSDB + `
    health: {cmd: ["/standin", "health"], interval: 1s}
`)
	r := e.crispify("infra").must(t, 1)
	if !strings.Contains(r.stderr, "pull image crispify-e2e/no-such-image:1: ") {
		t.Errorf("the pull failure does not name the image:\n%s", r.stderr)
	}
	if row := e.status()["infra ssdb"]; row.State != "healthy" {
		t.Errorf("ssdb, which does not need ghost, is %+v", row)
	}
	// --pull of an image built here (no registry gave it) does not try a
	// registry, and says why it kept the image that is here.
	r = e.crispify("infra", "--pull", "ssdb").must(t, 0)
	if !strings.Contains(r.stderr, "not pulled: no registry has it") || strings.Contains(r.stderr, "pull failed") {
		t.Errorf("--pull did not say it kept the local image:\n%s", r.stderr)
	}
}

// Two developers' terminals (or a script and a person) may run crispify at
// the same moment: both must end with one network and one container each.
func TestTwoRunsAtOnceConverge(t *testing.T) {
	needImages(t, imageSSDB, imageRedis)
	e := newEnv(t, "twice")
	e.write(`version: 1
project: {{project}}
infra:
  ssdb:
    image: ` + imageSSDB + `
    health: {cmd: ["/standin", "health"], interval: 1s}
  redis:
    image: ` + imageRedis + `
    health: {cmd: ["redis-cli", "ping"], interval: 1s}
`)
	t.Cleanup(func() { e.run("decrispify", "--volumes", "--yes") })
	results := make(chan result, 2)
	for range 2 {
		go func() { results <- e.crispify("infra") }()
	}
	for range 2 {
		r := <-results
		if r.code != 0 {
			t.Errorf("a run exited %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
		}
	}
	if nets := strings.Fields(e.docker("network", "ls", "-q", "--filter", "name=^"+e.project+"$")); len(nets) != 1 {
		t.Errorf("networks called %s: %v, want exactly one", e.project, nets)
	}
	if ids := strings.Fields(e.docker("ps", "-q", "--filter", "label=io.crispify.project="+e.project)); len(ids) != 2 {
		t.Errorf("running containers: %v, want 2", ids)
	}
	e.crispify("infra").must(t, 0) // and a third run finds nothing ambiguous
}

// A decrispify while another crispify brings the project up waits for it,
// says so, and Ctrl-C ends the wait with nothing done and exit 130.
func TestDecrispifyWaitsForAnotherRunAndCtrlCEndsTheWait(t *testing.T) {
	needImages(t, imageSSDB)
	e := newEnv(t, "wait")
	e.write(`version: 1
project: {{project}}
infra:
  ssdb:
    image: ` + imageSSDB + `
    health: {cmd: ["/standin", "health"], interval: 1s}
`)
	cache := t.TempDir()
	e.extraEnv = []string{"XDG_CACHE_HOME=" + cache}
	e.crispify("infra").must(t, 0)
	// Another run holds the project's lock, as a boot in progress does.
	lockPath := filepath.Join(cache, "crispify", "locks", e.project+".lock")
	holder := exec.Command("flock", "--close", lockPath, "sleep", "60") // only flock holds it
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { holder.Process.Kill(); holder.Wait() })
	if !eventually(5*time.Second, func() bool { return exec.Command("flock", "-n", lockPath, "true").Run() != nil }) {
		t.Fatal("the holder never took the lock")
	}

	down := exec.Command(filepath.Join(bin, "decrispify"), "-f", e.manifest)
	down.Env = append(os.Environ(), "CI=true", "NO_COLOR=1", "XDG_CACHE_HOME="+cache)
	var mu sync.Mutex
	var stderr bytes.Buffer
	down.Stderr = writerFunc(func(b []byte) (int, error) { mu.Lock(); defer mu.Unlock(); return stderr.Write(b) })
	if err := down.Start(); err != nil {
		t.Fatal(err)
	}
	said := func() string { mu.Lock(); defer mu.Unlock(); return stderr.String() }
	if !eventually(10*time.Second, func() bool { return strings.Contains(said(), "another crispify is bringing project") }) {
		down.Process.Kill()
		t.Fatalf("decrispify does not say what it waits for:\n%s", said())
	}
	down.Process.Signal(syscall.SIGINT)
	err := down.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 130 {
		t.Errorf("decrispify interrupted while waiting: %v, want exit 130\n%s", err, said())
	}
	e.containerID("ssdb") // nothing was torn down
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }
