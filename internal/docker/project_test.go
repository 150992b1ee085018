package docker_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crispify/crispify/internal/docker"
	"github.com/crispify/crispify/internal/docker/dockerfake"
	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/manifest"
)

const testManifest = `version: 1
project: crisp
workspace: ./ws
infra:
  redis:
    image: redis:7
    ports: ["16379:6379"]
    volumes: ["data:/data"]
    health:
      cmd: ["redis-cli", "ping"]
  mysql:
    image: mysql:8
    env: {MYSQL_ROOT_PASSWORD: root}
    volumes: ["data:/var/lib/mysql"]
    health:
      cmd: "mysqladmin ping"
  plain:
    image: busybox:1
`

func load(t *testing.T, text string) *manifest.Manifest {
	t.Helper()
	m, err := manifest.Parse([]byte(text), "crispify.yaml", manifest.Options{Workspace: t.TempDir()})
	if err != nil {
		t.Fatalf("parse manifest: %v", err)
	}
	return m
}

// recorder is a Sink that keeps every event.
type recorder struct {
	mu     sync.Mutex
	events []event.Event
}

func (r *recorder) Emit(e event.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

func (r *recorder) phases(kind event.Kind, name string) []event.Phase {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []event.Phase
	for _, e := range r.events {
		if e.Kind == kind && e.Name == name {
			out = append(out, e.Phase)
		}
	}
	return out
}

func (r *recorder) last(kind event.Kind, name string) event.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.events) - 1; i >= 0; i-- {
		if e := r.events[i]; e.Kind == kind && e.Name == name {
			return e
		}
	}
	return event.Event{}
}

// newProject is a project on a fake engine whose containers turn healthy for
// Docker at once. Its redis answers too: crispify counts a redis healthy
// only once PING is answered where the workers reach it, and the fake
// engine's published ports reach nothing, so the probe dials a server of
// the test's instead (see redisAnswers).
func newProject(t *testing.T, text string) (*docker.Project, *dockerfake.Engine, *recorder) {
	t.Helper()
	fake := dockerfake.New()
	fake.AddImage("redis:7", dockerfake.Image{ID: "sha256:redis"})
	fake.AddImage("mysql:8", dockerfake.Image{ID: "sha256:mysql"})
	fake.AddImage("busybox:1", dockerfake.Image{ID: "sha256:busybox"})
	rec := &recorder{}
	p := docker.NewProject(docker.ProjectOptions{Engine: fake, Manifest: load(t, text), Sink: rec, HealthTimeout: 5 * time.Second, Reach: redisAnswers(t)})
	return p, fake, rec
}

// redisAnswers is where the probes of newProject dial a published port: a
// server answering PING for Redis's container port 6379; no other port is
// reachable, so that Docker's check alone decides for the rest, as for a
// port published on a remote engine's loopback.
func redisAnswers(t *testing.T) func(docker.PortBinding) (string, bool) {
	t.Helper()
	addr, _ := pongServer(t, nil)
	return func(b docker.PortBinding) (string, bool) {
		if b.ContainerPort == 6379 {
			return addr, true
		}
		return "", false
	}
}

func up(t *testing.T, p *docker.Project, names ...string) {
	t.Helper()
	ctx := context.Background()
	if err := p.EnsureNetwork(ctx); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if err := p.Up(ctx, n); err != nil {
			t.Fatalf("up %s: %v", n, err)
		}
	}
}

func TestForeignNetworkIsRefused(t *testing.T) {
	p, fake, _ := newProject(t, testManifest)
	fake.Networks["someones"] = docker.Network{ID: "someones", Name: "crisp"}
	err := p.EnsureNetwork(context.Background())
	if err == nil || !strings.Contains(err.Error(), "not crispify's") {
		t.Fatalf("got %v", err)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestTwoNetworksOfOursBecomeOne(t *testing.T) {
	p, fake, _ := newProject(t, testManifest)
	ctx := context.Background()
	labels := map[string]string{docker.LabelProject: "crisp"}
	_ = fake.NetworkCreate(ctx, "crisp", labels)
	_ = fake.NetworkCreate(ctx, "crisp", labels) // two runs at the same moment
	if err := p.EnsureNetwork(ctx); err != nil {
		t.Fatal(err)
	}
	if list, _ := fake.NetworkList(ctx, "crisp"); len(list) != 1 {
		t.Fatalf("%d networks called crisp, want 1", len(list))
	}
	up(t, p, "plain")
	if _, err := p.Down(ctx, false); err != nil {
		t.Fatal(err)
	}
	if list, _ := fake.NetworkList(ctx, "crisp"); len(list) != 0 {
		t.Errorf("networks left after down: %v", list)
	}
}
