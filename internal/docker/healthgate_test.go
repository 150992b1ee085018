package docker_test

import (
	"bufio"
	"context"
	"errors"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crispify/crispify/internal/docker"
	"github.com/crispify/crispify/internal/docker/dockerfake"
	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/ssh"
	"github.com/crispify/crispify/internal/ssh/sshfake"
)

// Where crispify knows the protocol, a container is healthy once the
// protocol answers where the workers reach it: Docker's check passing alone
// (rabbitmq-diagnostics ping, before the broker listens) leaves it waiting.

// gate is a Redis behind a published port, as the host sees it while the
// server inside does not listen yet: docker-proxy accepts and closes at
// once. Open makes it answer PING; Shut makes it stop again.
type gate struct {
	addr  string
	open  atomic.Bool
	conns atomic.Int32
}

func newGate(t *testing.T) *gate {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	g := &gate{addr: ln.Addr().String()}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			g.conns.Add(1)
			go func() {
				defer c.Close()
				if !g.open.Load() {
					return
				}
				r := bufio.NewReader(c)
				for range 3 { // *1, $4, PING
					if _, err := r.ReadString('\n'); err != nil {
						return
					}
				}
				c.Write([]byte("+PONG\r\n"))
			}()
		}
	}()
	return g
}

func (g *gate) Open() { g.open.Store(true) }
func (g *gate) Shut() { g.open.Store(false) }

// gatedProject is a project whose redis Docker finds healthy at once, and
// whose published port the probe reaches at g.
func gatedProject(t *testing.T, text string, g *gate) (*docker.Project, *dockerfake.Engine, *recorder) {
	t.Helper()
	fake := dockerfake.New()
	fake.AddImage("redis:7", dockerfake.Image{ID: "sha256:redis", Logs: []string{"Ready to accept connections"}})
	rec := &recorder{}
	p := docker.NewProject(docker.ProjectOptions{Engine: fake, Manifest: load(t, text), Sink: rec, HealthTimeout: 5 * time.Second,
		Reach: func(docker.PortBinding) (string, bool) { return g.addr, true }})
	if err := p.EnsureNetwork(context.Background()); err != nil {
		t.Fatal(err)
	}
	return p, fake, rec
}

// checkedRedis is a redis with a health check, run every second.
const checkedRedis = `version: 1
project: crisp
infra:
  redis:
    image: redis:7
    ports: ["16379:6379"]
    health: {cmd: ["redis-cli", "ping"], interval: 1s}
`

// upInBackground runs Up and returns its result on a channel.
func upInBackground(p *docker.Project, name string) <-chan error {
	done := make(chan error, 1)
	go func() { done <- p.Up(context.Background(), name) }()
	return done
}

// waitFor waits for the infra's last event to be one the test wants.
func waitFor(t *testing.T, rec *recorder, name string, want func(event.Event) bool) event.Event {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if e := rec.last(event.Infra, name); want(e) {
			return e
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s: last event %+v; phases %v", name, rec.last(event.Infra, name), rec.phases(event.Infra, name))
	return event.Event{}
}

// count is how many of the infra's events are of phase and say msg.
func count(rec *recorder, name string, phase event.Phase, msg string) int {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	n := 0
	for _, e := range rec.events {
		if e.Kind == event.Infra && e.Name == name && e.Phase == phase && e.Msg == msg {
			n++
		}
	}
	return n
}

func TestDockersCheckAloneLeavesAKnownProtocolWaiting(t *testing.T) {
	g := newGate(t)
	p, fake, rec := gatedProject(t, checkedRedis, g)
	done := upInBackground(p, "redis")

	want := "Docker's check passes; Redis does not answer yet at " + g.addr
	waitFor(t, rec, "redis", func(e event.Event) bool { return e.Phase == event.Waiting && e.Msg == want })
	time.Sleep(1500 * time.Millisecond) // a poll or more, probes every 100 ms
	select {
	case err := <-done:
		t.Fatalf("up returned %v while Redis did not answer; phases %v", err, rec.phases(event.Infra, "redis"))
	default:
	}
	if c, _ := fake.ContainerInspect(context.Background(), "crisp-redis"); c.Health != "healthy" {
		t.Fatalf("Docker's health %q: the test wants it passed", c.Health)
	}
	if n := count(rec, "redis", event.Waiting, want); n != 1 {
		t.Errorf("%d waiting events saying %q, want one: said when it changes", n, want)
	}

	g.Open()
	if err := <-done; err != nil {
		t.Fatalf("up: %v", err)
	}
	if e := rec.last(event.Infra, "redis"); e.Phase != event.Healthy || !strings.Contains(e.Msg, "(redis answered)") {
		t.Errorf("last event %+v, want healthy once Redis answered", e)
	}

	// Healthy, it is not probed any more.
	probes := g.conns.Load()
	time.Sleep(300 * time.Millisecond)
	if n := g.conns.Load() - probes; n != 0 {
		t.Errorf("%d probes after healthy, want none", n)
	}
}

func TestNoHealthCheckAndASilentProtocolIsWaiting(t *testing.T) {
	g := newGate(t)
	p, _, rec := gatedProject(t, `version: 1
project: crisp
infra:
  redis:
    image: redis:7
    ports: ["16379:6379"]
`, g)
	done := upInBackground(p, "redis")
	waitFor(t, rec, "redis", func(e event.Event) bool {
		return e.Phase == event.Waiting && e.Msg == "running, with no health check of Docker's; Redis does not answer yet at "+g.addr
	})
	select {
	case err := <-done:
		t.Fatalf("up returned %v: running is not healthy while Redis does not answer", err)
	default:
	}
	g.Open()
	if err := <-done; err != nil {
		t.Fatalf("up: %v", err)
	}
	if e := rec.last(event.Infra, "redis"); e.Phase != event.Healthy || !strings.Contains(e.Msg, "(redis answered)") {
		t.Errorf("last event %+v, want healthy once Redis answered", e)
	}
}

func TestRunningContainerIsConfirmedByOneProbe(t *testing.T) {
	g := newGate(t)
	g.Open()
	p, fake, rec := gatedProject(t, checkedRedis, g)
	if err := p.Up(context.Background(), "redis"); err != nil {
		t.Fatalf("first up: %v", err)
	}

	// Found healthy by Docker, it answers at once: one probe, no event
	// stream.
	streams, probes := fake.Subscriptions(), g.conns.Load()
	if err := p.Up(context.Background(), "redis"); err != nil {
		t.Fatalf("second up: %v", err)
	}
	if n := fake.Subscriptions() - streams; n != 0 {
		t.Errorf("second up opened %d event streams, want none", n)
	}
	if n := g.conns.Load() - probes; n != 1 {
		t.Errorf("second up probed %d times, want once", n)
	}
	if e := rec.last(event.Infra, "redis"); e.Phase != event.Healthy || e.Msg != "already running (redis answered)" {
		t.Errorf("second up said %s %q", e.Phase, e.Msg)
	}

	// Found healthy by Docker, it does not answer: waiting until it does.
	g.Shut()
	done := upInBackground(p, "redis")
	waitFor(t, rec, "redis", func(e event.Event) bool {
		return e.Phase == event.Waiting && e.Msg == "Docker's check passes; Redis does not answer yet at "+g.addr
	})
	select {
	case err := <-done:
		t.Fatalf("third up returned %v while Redis did not answer", err)
	default:
	}
	g.Open()
	if err := <-done; err != nil {
		t.Fatalf("third up: %v", err)
	}
	if e := rec.last(event.Infra, "redis"); e.Phase != event.Healthy || e.Msg != "already running (redis answered)" {
		t.Errorf("third up said %s %q", e.Phase, e.Msg)
	}
}

func TestDockersVerdictStillCountsWhileTheProtocolIsAwaited(t *testing.T) {
	for _, tt := range []struct {
		name  string
		turn  func(*dockerfake.Engine) error
		phase event.Phase
		says  string
	}{
		{"exited", func(f *dockerfake.Engine) error { return f.Exit("crisp-redis", 3) }, event.Dead, "exited with code 3"},
		{"unhealthy", func(f *dockerfake.Engine) error { return f.SetHealth("crisp-redis", "unhealthy") }, event.Sick, "is unhealthy"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			g := newGate(t)
			p, fake, rec := gatedProject(t, checkedRedis, g)
			done := upInBackground(p, "redis")
			waitFor(t, rec, "redis", func(e event.Event) bool {
				return e.Phase == event.Waiting && strings.HasPrefix(e.Msg, "Docker's check passes")
			})
			if err := tt.turn(fake); err != nil {
				t.Fatal(err)
			}
			err := <-done
			var he *docker.HealthError
			if !errors.As(err, &he) || !strings.Contains(err.Error(), tt.says) {
				t.Fatalf("up: %v, want %q", err, tt.says)
			}
			if e := rec.last(event.Infra, "redis"); e.Phase != tt.phase {
				t.Errorf("last event %s, want %s", e.Phase, tt.phase)
			}
		})
	}
}

func TestAProtocolThatNeverAnswersTimesOutSayingSo(t *testing.T) {
	g := newGate(t)
	p, _, rec := gatedProject(t, checkedRedis, g)
	p.HealthTimeout = 700 * time.Millisecond
	err := p.Up(context.Background(), "redis")
	var he *docker.HealthError
	if !errors.As(err, &he) {
		t.Fatalf("up: %v, want a HealthError", err)
	}
	for _, want := range []string{
		"redis (container crisp-redis) timed out waiting to be healthy: Docker's check passes; Redis does not answer yet at " + g.addr,
		"ready: false",
		"Ready to accept connections",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%s", want, err)
		}
	}
	if e := rec.last(event.Infra, "redis"); e.Phase != event.Sick {
		t.Errorf("last event %s, want sick", e.Phase)
	}
}

func TestSSHEngineIsHealthyOnceTheProtocolAnswersThroughItsTunnel(t *testing.T) {
	g := newGate(t)
	sshfake.OnPath(t, g.addr)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := itoa(l.Addr().(*net.TCPAddr).Port) // the tunnel's end here
	l.Close()
	fake := dockerfake.New()
	fake.At = "ssh://dev@buildbox"
	fake.AddImage("redis:7", dockerfake.Image{ID: "sha256:redis"})
	rec := &recorder{}
	p := docker.NewProject(docker.ProjectOptions{Engine: fake, Manifest: load(t, strings.Replace(checkedRedis, "16379:6379", port+":6379", 1)), Sink: rec,
		HealthTimeout: 5 * time.Second, Owner: "alice@laptop",
		Tunnels: docker.NewTunnels(docker.Endpoint{Host: fake.At}, t.TempDir(), rec)})
	t.Cleanup(func() { p.Close() })
	if err := p.EnsureNetwork(context.Background()); err != nil {
		t.Fatal(err)
	}
	done := upInBackground(p, "redis")

	// The tunnel opens once the container runs, and the probe dials
	// through it; Docker's check, passed, is not enough.
	waitFor(t, rec, "redis", func(e event.Event) bool {
		return e.Phase == event.Waiting && e.Msg == "Docker's check passes; Redis does not answer yet at 127.0.0.1:"+port
	})
	opening := "running on ssh://dev@buildbox; opening its tunnel, through which Redis is tried"
	if n := count(rec, "redis", event.Waiting, opening); n != 1 {
		t.Errorf("%d waiting events saying %q, want one; phases %v", n, opening, rec.phases(event.Infra, "redis"))
	}
	g.Open()
	if err := <-done; err != nil {
		t.Fatalf("up: %v", err)
	}
	e := rec.last(event.Infra, "redis")
	if e.Phase != event.Healthy || !strings.Contains(e.Msg, "(redis answered); tunnel up: 127.0.0.1:"+port+" <- ssh://dev@buildbox") || e.Tunnel != ssh.TunnelUp {
		t.Errorf("last event %+v, want healthy through the tunnel, up", e)
	}
	if n := count(rec, "redis", event.Waiting, "healthy on ssh://dev@buildbox; opening its tunnel"); n != 0 {
		t.Errorf("the tunnel, open already, was said opening again at healthy")
	}
}
