package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// The readiness probes against the real servers (RabbitMQ, MariaDB, Redis,
// FerretDB) and the stand-ins (Elasticsearch, SSDB), with health checks
// Docker runs only every 10 s: crispify must count each healthy on its own
// probe, before Docker's check has ever passed. The tests assert the order
// of events, never a wall-clock time.

// slowChecked is the six, each with a health check every 10 s.
func slowChecked(t *testing.T) string {
	return strings.ReplaceAll(strings.ReplaceAll(sixInfra(t), "interval: 1s", "interval: 10s"), "    needs: [redis]\n", "")
}

// boardEvents parses crispify's --output json stream.
func boardEvents(t *testing.T, stdout string) []boardEvent {
	t.Helper()
	var out []boardEvent
	sc := bufio.NewScanner(strings.NewReader(stdout))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var e boardEvent
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("not an event: %q: %v", sc.Text(), err)
		}
		out = append(out, e)
	}
	return out
}

type boardEvent struct {
	TS    time.Time `json:"ts"`
	Kind  string    `json:"kind"`
	Name  string    `json:"name"`
	Phase string    `json:"phase"`
	Msg   string    `json:"msg"`
	Error string    `json:"error"`
}

// dockerHealth is what docker inspect says of a container's health.
type dockerHealth struct {
	Status string
	Log    []struct {
		Start    time.Time
		ExitCode int
	}
}

func (e *env) health(infra string) dockerHealth {
	e.t.Helper()
	var h dockerHealth
	if err := json.Unmarshal([]byte(e.docker("inspect", "--format", "{{json .State.Health}}", e.project+"-"+infra)), &h); err != nil {
		e.t.Fatalf("health of %s: %v", infra, err)
	}
	return h
}

func TestReadinessProbesCountHealthyBeforeDockersFirstCheck(t *testing.T) {
	needImages(t, allImages...)
	e := newEnv(t, "probe")
	e.write(slowChecked(t))
	r := e.crispify("--output", "json", "infra").must(t, 0)
	// Inspected at once: what Docker knew when crispify had said healthy.
	healthAtReturn := map[string]dockerHealth{}
	for _, name := range infraNames {
		healthAtReturn[name] = e.health(name)
	}
	healthyAt := map[string]time.Time{}
	for _, ev := range boardEvents(t, r.stdout) {
		if ev.Kind == "infra" && ev.Phase == "healthy" {
			healthyAt[ev.Name] = ev.TS
			if !strings.Contains(ev.Msg, "answered") {
				t.Errorf("%s healthy %q: not by its probe", ev.Name, ev.Msg)
			}
		}
	}
	for _, name := range infraNames {
		at, ok := healthyAt[name]
		if !ok {
			t.Errorf("%s: no healthy event in\n%s", name, r.stdout)
			continue
		}
		// Docker's check had not passed when crispify said healthy: its
		// status was still starting when crispify returned, or its first
		// passing check began after crispify's healthy.
		h := healthAtReturn[name]
		if h.Status == "healthy" {
			for _, l := range h.Log {
				if l.ExitCode == 0 && l.Start.Before(at) {
					t.Errorf("%s: Docker's check passed at %s, before crispify's healthy at %s", name, l.Start, at)
				}
			}
		}
		if h.Status == "unhealthy" {
			t.Errorf("%s: unhealthy for Docker", name)
		}
	}
	t.Logf("six with 10 s health checks, healthy by their probes in %s", r.took)

	// status agrees with the boot while Docker's check has not run.
	for _, name := range infraNames {
		if row := e.status()["infra "+name]; row.State != "healthy" {
			t.Errorf("status of %s: %+v, want healthy", name, row)
		}
	}
}

func TestFerretDBImageAnswersTheOfficialDriver(t *testing.T) {
	needImages(t, imageFerretDB)
	e := newEnv(t, "ferret")
	port := freePort(t)
	text := head + `infra:
  mongodb:
    image: ` + imageFerretDB + `
    ports: ["` + itoa(port) + `:27017"]
    volumes: ["data:/data"]
    health: {cmd: ["/ferretdb", "health"], interval: 1s}
`
	e.write(text)
	e.crispify("infra").must(t, 0)
	if h := e.health("mongodb"); h.Status != "healthy" && h.Status != "starting" {
		t.Fatalf("health %q", h.Status)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	uri := "mongodb://127.0.0.1:" + itoa(port)
	client, err := mongo.Connect(options.Client().ApplyURI(uri).SetServerSelectionTimeout(10 * time.Second))
	if err != nil {
		t.Fatalf("connect %s: %v", uri, err)
	}
	defer client.Disconnect(context.Background())
	if err := client.Ping(ctx, nil); err != nil {
		t.Fatalf("ping %s: %v", uri, err)
	}
	coll := client.Database("e2e").Collection("things")
	res, err := coll.InsertOne(ctx, bson.D{{Key: "name", Value: "kept"}, {Key: "n", Value: 42}})
	if err != nil {
		t.Fatalf("insert: %v", err)
	}
	var got struct {
		Name string `bson:"name"`
		N    int    `bson:"n"`
	}
	if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: res.InsertedID}}).Decode(&got); err != nil {
		t.Fatalf("find: %v", err)
	}
	if got.Name != "kept" || got.N != 42 {
		t.Errorf("found %+v, want {kept 42}", got)
	}
	client.Disconnect(ctx)

	// A real server keeps its data: recreated with its volume, it still
	// has the document.
	e.write(strings.Replace(text, `volumes: ["data:/data"]`, `volumes: ["data:/data"]
    env: {SOMETHING: changed}`, 1))
	e.crispify("infra").must(t, 0)
	client, err = mongo.Connect(options.Client().ApplyURI(uri).SetServerSelectionTimeout(10 * time.Second))
	if err != nil {
		t.Fatalf("connect again: %v", err)
	}
	defer client.Disconnect(context.Background())
	n, err := client.Database("e2e").Collection("things").CountDocuments(ctx, bson.D{{Key: "name", Value: "kept"}})
	if err != nil || n != 1 {
		t.Errorf("after a recreate: %d documents named kept, %v; want 1", n, err)
	}
}

func TestProbePassThenExitIsDeadForStatus(t *testing.T) {
	needImages(t, imageRedis)
	e := newEnv(t, "probedie")
	// Redis answers at once, and the container exits 3 s later: long
	// before Docker's first check, 10 s after its start.
	e.write(head + `infra:
  redis:
    image: ` + imageRedis + `
    ports: ["` + itoa(freePort(t)) + `:6379"]
    command: ["bash", "-c", "redis-server --protected-mode no & sleep 3; exit 7"]
    health: {cmd: ["redis-cli", "ping"], interval: 10s}
`)
	r := e.crispify("--output", "json", "infra").must(t, 0)
	if !strings.Contains(r.stdout, `"phase":"healthy"`) {
		t.Fatalf("not healthy:\n%s", r.stdout)
	}
	if !eventually(20*time.Second, func() bool { return e.status()["infra redis"].State == "dead" }) {
		t.Fatalf("status after the exit: %+v, want dead", e.status()["infra redis"])
	}
	if row := e.status()["infra redis"]; !strings.Contains(row.Detail, "exited with code 7") {
		t.Errorf("status detail %q, want the exit code", row.Detail)
	}
	// And a later run sees the truth too: it starts the container again.
	r = e.crispify("--output", "json", "infra").must(t, 0)
	if !strings.Contains(r.stdout, `"phase":"starting"`) {
		t.Errorf("a dead container was not started again:\n%s", r.stdout)
	}
}

func TestProbePassThenExitIsDeadOnTheLiveStack(t *testing.T) {
	needImages(t, imageRedis)
	e := newEnv(t, "probelive")
	e.write(head + `infra:
  redis:
    image: ` + imageRedis + `
    ports: ["` + itoa(freePort(t)) + `:6379"]
    command: ["bash", "-c", "redis-server --protected-mode no & sleep 4; exit 7"]
    health: {cmd: ["redis-cli", "ping"], interval: 10s}
services:
` + service("app", e.workerRepo("app", nil), "redis", `WORKER_SAY: up`, `{log: up}`))
	cmd := exec.Command(filepath.Join(bin, "crispify"), "-f", e.manifest, "--output", "json")
	cmd.Dir = e.dir
	cmd.Env = append(os.Environ(), "CI=true", "NO_COLOR=1")
	out, err := os.Create(filepath.Join(e.dir, "live.out"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	var events []boardEvent
	dead := eventually(90*time.Second, func() bool {
		text, _ := os.ReadFile(out.Name())
		events = nil
		for _, line := range strings.Split(string(text), "\n") {
			var ev boardEvent
			if json.Unmarshal([]byte(line), &ev) == nil && ev.Kind == "infra" && ev.Name == "redis" {
				events = append(events, ev)
			}
		}
		return len(events) > 0 && events[len(events)-1].Phase == "dead"
	})
	text, _ := os.ReadFile(out.Name())
	if !dead {
		t.Fatalf("the live stack never said redis died:\n%s", text)
	}
	var phases []string
	for _, ev := range events {
		phases = append(phases, ev.Phase)
	}
	if i := strings.Index(strings.Join(phases, " "), "healthy"); i < 0 {
		t.Errorf("redis phases %v: never healthy before it died", phases)
	}
	if last := events[len(events)-1]; !strings.Contains(last.Error, "exited with code 7") {
		t.Errorf("dead event %+v: want the exit code", last)
	}
	cmd.Process.Signal(os.Interrupt)
	cmd.Wait()
}

func TestProbeOffAndUnknownImagesWaitForDockersCheck(t *testing.T) {
	needImages(t, imageRedis, imageSSDB)
	e := newEnv(t, "probeoff")
	// An image crispify does not know: a tag of its own, removed after.
	unknown := "e2e-unknown-kv:" + e.project
	e.docker("tag", imageSSDB, unknown)
	t.Cleanup(func() { exec.Command("docker", "rmi", unknown).Run() })
	e.write(head + `infra:
  redis:
    image: ` + imageRedis + `
    ports: ["` + itoa(freePort(t)) + `:6379"]
    health: {cmd: ["redis-cli", "ping"], interval: 2s}
    ready: false
  kv:
    image: ` + unknown + `
    ports: ["` + itoa(freePort(t)) + `:8888"]
    health: {cmd: ["/standin", "health"], interval: 2s}
`)
	r := e.crispify("--output", "json", "infra").must(t, 0)
	healthyAt := map[string]time.Time{}
	for _, ev := range boardEvents(t, r.stdout) {
		if ev.Kind == "infra" && ev.Phase == "healthy" {
			healthyAt[ev.Name] = ev.TS
			if strings.Contains(ev.Msg, "answered") {
				t.Errorf("%s healthy by a probe: %q", ev.Name, ev.Msg)
			}
		}
	}
	for _, name := range []string{"redis", "kv"} {
		h := e.health(name)
		passed := false
		for _, l := range h.Log {
			if l.ExitCode == 0 && l.Start.Before(healthyAt[name]) {
				passed = true
			}
		}
		if h.Status != "healthy" || !passed {
			t.Errorf("%s: crispify said healthy at %s, Docker's check had not passed: %+v", name, healthyAt[name], h)
		}
	}
}
