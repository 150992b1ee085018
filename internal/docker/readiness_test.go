package docker_test

import (
	"bufio"
	"context"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crispify/crispify/internal/docker"
	"github.com/crispify/crispify/internal/docker/dockerfake"
	"github.com/crispify/crispify/internal/event"
)

// probedManifest has a Redis that Docker would check every 10 s.
const probedManifest = `version: 1
project: crisp
infra:
  redis:
    image: redis:7
    ports: ["16379:6379"]
    health: {cmd: ["redis-cli", "ping"], interval: 10s}
`

// pongServer answers every PING with +PONG, first calling before (when set)
// on each connection; it counts the connections.
func pongServer(t *testing.T, before func()) (addr string, conns *atomic.Int32) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	conns = &atomic.Int32{}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				for range 3 { // *1, $4, PING
					if _, err := r.ReadString('\n'); err != nil {
						return
					}
				}
				if before != nil {
					before()
				}
				c.Write([]byte("+PONG\r\n"))
			}()
		}
	}()
	return ln.Addr().String(), conns
}

// probedProject is a project whose container stays "starting" for Docker,
// and whose published ports the probe reaches at addr.
func probedProject(t *testing.T, text, addr string) (*docker.Project, *dockerfake.Engine, *recorder) {
	t.Helper()
	fake := dockerfake.New()
	fake.AddImage("redis:7", dockerfake.Image{ID: "sha256:redis", Health: "starting", Logs: []string{"Ready to accept connections"}})
	fake.AddImage("busybox:1", dockerfake.Image{ID: "sha256:busybox", Health: "starting"})
	rec := &recorder{}
	p := docker.NewProject(docker.ProjectOptions{Engine: fake, Manifest: load(t, text), Sink: rec, HealthTimeout: 5 * time.Second,
		Reach: func(docker.PortBinding) (string, bool) { return addr, true }})
	if err := p.EnsureNetwork(context.Background()); err != nil {
		t.Fatal(err)
	}
	return p, fake, rec
}

// waitPhase waits for the infra's events to end in phase.
func waitPhase(t *testing.T, rec *recorder, name string, phase event.Phase) event.Event {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if e := rec.last(event.Infra, name); e.Phase == phase {
			return e
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s never turned %s: phases %v", name, phase, rec.phases(event.Infra, name))
	return event.Event{}
}

func TestProbePassIsHealthyBeforeDockersCheck(t *testing.T) {
	addr, conns := pongServer(t, nil)
	p, fake, rec := probedProject(t, probedManifest, addr)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := p.Up(ctx, "redis"); err != nil {
		t.Fatalf("up: %v", err)
	}
	e := rec.last(event.Infra, "redis")
	if e.Phase != event.Healthy || !strings.Contains(e.Msg, "redis answered") {
		t.Fatalf("last event %+v, want healthy by the redis probe", e)
	}
	if c, _ := fake.ContainerInspect(ctx, "crisp-redis"); c.Health != "starting" {
		t.Errorf("Docker's health %q: the probe was not what decided", c.Health)
	}
	if conns.Load() == 0 {
		t.Error("the probe never connected")
	}

	// Docker's check passing later changes nothing.
	n := len(rec.phases(event.Infra, "redis"))
	if err := fake.SetHealth("crisp-redis", "healthy"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if got := rec.phases(event.Infra, "redis"); len(got) != n {
		t.Errorf("events after Docker agreed: %v", got[n:])
	}

	// Status counts a starting container whose probe passes as healthy.
	st, err := p.Status(ctx)
	if err != nil || len(st) != 1 || st[0].State != docker.StateHealthy {
		t.Errorf("status %+v, %v: want healthy", st, err)
	}
}

func TestProbePassThenExitIsReportedDead(t *testing.T) {
	addr, _ := pongServer(t, nil)
	p, fake, rec := probedProject(t, probedManifest, addr)
	ctx, cancel := context.WithCancel(context.Background())
	if err := p.Up(ctx, "redis"); err != nil {
		t.Fatalf("up: %v", err)
	}
	// The boot that brought it up is over, as a stack's apply ends once
	// all is up: the watch goes on.
	cancel()
	if err := fake.Exit("crisp-redis", 3); err != nil {
		t.Fatal(err)
	}
	e := waitPhase(t, rec, "redis", event.Dead)
	if !strings.Contains(e.Error, "exited with code 3") || !strings.Contains(e.Error, "Ready to accept connections") {
		t.Errorf("dead event %q: want the exit code and the last logs", e.Error)
	}
	if got := rec.phases(event.Infra, "redis"); !containsInOrder(got, event.Healthy, event.Dead) {
		t.Errorf("phases %v, want healthy then dead", got)
	}
	st, _ := p.Status(ctx)
	if len(st) != 1 || st[0].State != docker.StateDead {
		t.Errorf("status %+v: Docker's truth is dead", st)
	}
}

func TestProbePassThenUnhealthyIsReportedSick(t *testing.T) {
	addr, _ := pongServer(t, nil)
	p, fake, rec := probedProject(t, probedManifest, addr)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := p.Up(ctx, "redis"); err != nil {
		t.Fatalf("up: %v", err)
	}
	if err := fake.SetHealth("crisp-redis", "unhealthy"); err != nil {
		t.Fatal(err)
	}
	e := waitPhase(t, rec, "redis", event.Sick)
	if !strings.Contains(e.Error, "unhealthy") || !strings.Contains(e.Error, "check failed") {
		t.Errorf("sick event %q: want Docker's verdict and its check's output", e.Error)
	}
}

func TestExitWhileTheProbePassesIsDeadNotHealthy(t *testing.T) {
	var fake *dockerfake.Engine
	// The server answers, but the container has exited by the time it does.
	addr, _ := pongServer(t, func() { fake.Exit("crisp-redis", 1) })
	p, f, rec := probedProject(t, probedManifest, addr)
	fake = f
	err := p.Up(context.Background(), "redis")
	if err == nil || !strings.Contains(err.Error(), "exited with code 1") {
		t.Fatalf("up: %v, want the exit", err)
	}
	if got := rec.phases(event.Infra, "redis"); containsInOrder(got, event.Healthy) {
		t.Errorf("phases %v: a dead container was counted healthy", got)
	}
}

func TestProbeOffOrUnknownImageWaitsForDocker(t *testing.T) {
	for name, text := range map[string]string{
		"ready: false": probedManifest + "    ready: false\n",
		"unknown image": `version: 1
project: crisp
infra:
  redis:
    image: busybox:1
    ports: ["16379:6379"]
    health: {cmd: ["true"], interval: 10s}
`,
		"redis on another port": `version: 1
project: crisp
infra:
  redis:
    image: redis:7
    ports: ["16380:6380"]
    health: {cmd: ["true"], interval: 10s}
`,
	} {
		t.Run(name, func(t *testing.T) {
			addr, conns := pongServer(t, nil)
			p, fake, rec := probedProject(t, text, addr)
			done := make(chan error, 1)
			go func() { done <- p.Up(context.Background(), "redis") }()
			time.Sleep(400 * time.Millisecond)
			select {
			case err := <-done:
				t.Fatalf("up returned before Docker's check: %v; phases %v", err, rec.phases(event.Infra, "redis"))
			default:
			}
			if n := conns.Load(); n != 0 {
				t.Errorf("%d probes, want none", n)
			}
			if err := fake.SetHealth("crisp-redis", "healthy"); err != nil {
				t.Fatal(err)
			}
			if err := <-done; err != nil {
				t.Fatalf("up: %v", err)
			}
			if e := rec.last(event.Infra, "redis"); e.Phase != event.Healthy || strings.Contains(e.Msg, "answered") {
				t.Errorf("last event %+v, want healthy by Docker", e)
			}
		})
	}
}

func TestStopAfterAProbePassSaysStoppedNotDead(t *testing.T) {
	addr, _ := pongServer(t, nil)
	p, _, rec := probedProject(t, probedManifest, addr)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := p.Up(ctx, "redis"); err != nil {
		t.Fatalf("up: %v", err)
	}
	if err := p.Stop(ctx, "redis"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	if e := rec.last(event.Infra, "redis"); e.Phase != event.Dead || !strings.Contains(e.Msg, "stopped by you") || e.Error != "" {
		t.Errorf("last event %+v, want only the stop's own", e)
	}
}

// A stop from the board or `crispify stop` runs the project apart from the
// boot that brought the container up (With), and must still end the watch
// that boot started: else the stop is painted dead with the last logs.
func TestStopThroughAnotherRunEndsTheWatchOfTheBoot(t *testing.T) {
	addr, _ := pongServer(t, nil)
	p, _, rec := probedProject(t, probedManifest, addr)
	ctx := context.Background()
	if err := p.With(p.Manifest, false).Up(ctx, "redis"); err != nil {
		t.Fatalf("up: %v", err)
	}
	if err := p.With(p.Manifest, false).Stop(ctx, "redis"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2500 * time.Millisecond) // past the watch's inspect poll
	if e := rec.last(event.Infra, "redis"); e.Phase != event.Dead || !strings.Contains(e.Msg, "stopped by you") || e.Error != "" {
		t.Errorf("last event %+v, want only the stop's own", e)
	}
}

// containsInOrder reports whether want appear in got in that order.
func containsInOrder(got []event.Phase, want ...event.Phase) bool {
	i := 0
	for _, g := range got {
		if i < len(want) && g == want[i] {
			i++
		}
	}
	return i == len(want)
}

func TestCloseEndsTheWatchAfterAProbePass(t *testing.T) {
	addr, _ := pongServer(t, nil)
	p, fake, rec := probedProject(t, probedManifest, addr)
	if err := p.Up(context.Background(), "redis"); err != nil {
		t.Fatalf("up: %v", err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	n := len(rec.phases(event.Infra, "redis"))
	if err := fake.Exit("crisp-redis", 3); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if got := rec.phases(event.Infra, "redis"); len(got) != n {
		t.Errorf("events after Close: %v", got[n:])
	}
}
