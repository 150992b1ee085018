package docker_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crispify/crispify/internal/docker"
	"github.com/crispify/crispify/internal/docker/dockerfake"
	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/manifest"
)

// keptManifest has no protocol crispify probes: Docker's check decides,
// and the fake engine passes it at once.
const keptManifest = `version: 1
project: crisp
workspace: ./ws
infra:
  kv:
    image: crisp/kv:1
    health: {cmd: ["kv", "ping"], interval: 1s}
  queue:
    image: crisp/queue:1
`

// kept is a stack's Keeper on a fake engine, with what it reported and
// the infra it said turned healthy again.
type kept struct {
	*docker.Keeper
	fake *dockerfake.Engine
	rec  *recorder
	m    *manifest.Manifest

	mu      sync.Mutex
	healthy []string
}

func newKept(t *testing.T, opts docker.KeeperOptions) *kept {
	t.Helper()
	fake := dockerfake.New()
	fake.AddImage("crisp/kv:1", dockerfake.Image{ID: "sha256:kv"})
	fake.AddImage("crisp/queue:1", dockerfake.Image{ID: "sha256:queue"})
	k := &kept{fake: fake, rec: &recorder{}, m: load(t, keptManifest)}
	opts.Engine, opts.Sink = fake, k.rec
	opts.Manifest = func() *manifest.Manifest { return k.m }
	opts.Healthy = func(infra string) {
		k.mu.Lock()
		defer k.mu.Unlock()
		k.healthy = append(k.healthy, infra)
	}
	k.Keeper = docker.NewKeeper(context.Background(), opts)
	t.Cleanup(k.Close)
	return k
}

// boot starts the keeper and brings the infra up through one of its
// projects, as a supervisor's first apply does.
func (k *kept) boot(t *testing.T) {
	t.Helper()
	k.Start()
	up(t, k.Project(k.m, false), "kv", "queue")
	for _, name := range []string{"kv", "queue"} {
		if c, err := k.fake.ContainerInspect(context.Background(), "crisp-"+name); err != nil || c.State != "running" {
			t.Fatalf("%s does not run after the boot: %+v %v", name, c, err)
		}
	}
}

func (k *kept) healthyAgain() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return slices.Clone(k.healthy)
}

// eventAfter waits up to d for an infra event of name after since that
// the test wants.
func (k *kept) eventAfter(t *testing.T, d time.Duration, name string, since int, what string, want func(event.Event) bool) (event.Event, int) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		k.rec.mu.Lock()
		events := slices.Clone(k.rec.events)
		k.rec.mu.Unlock()
		for i := since; i < len(events); i++ {
			if e := events[i]; e.Kind == event.Infra && e.Name == name && want(e) {
				return e, i + 1
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: no %s within %s; phases %v", name, what, d, k.rec.phases(event.Infra, name))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (k *kept) seen() int {
	k.rec.mu.Lock()
	defer k.rec.mu.Unlock()
	return len(k.rec.events)
}

func phaseIs(p event.Phase) func(event.Event) bool {
	return func(e event.Event) bool { return e.Phase == p }
}

func TestKeeperStartsAgainAContainerStoppedBehindItsBack(t *testing.T) {
	k := newKept(t, docker.KeeperOptions{})
	k.boot(t)
	ctx := context.Background()
	from := k.seen()
	stopped := time.Now()
	if err := k.fake.ContainerStop(ctx, "crisp-kv", time.Second); err != nil { // docker stop, not crispify
		t.Fatal(err)
	}
	dead, next := k.eventAfter(t, 2*time.Second, "kv", from, "dead", phaseIs(event.Dead))
	if dead.ExitCode == nil || *dead.ExitCode != 0 || !strings.HasPrefix(dead.Error, "exited with code 0, not stopped by this stack: starting it again in 1s\n") {
		t.Errorf("dead event: %+v", dead)
	}
	_, next = k.eventAfter(t, 3*time.Second, "kv", next, "a start", phaseIs(event.Starting))
	k.eventAfter(t, 3*time.Second, "kv", next, "healthy", phaseIs(event.Healthy))
	if gap := time.Since(stopped); gap < time.Second {
		t.Errorf("started again %s after the stop, before its 1s of backoff", gap)
	}
	if c, _ := k.fake.ContainerInspect(ctx, "crisp-kv"); c.State != "running" {
		t.Errorf("kv is %s after the keeper started it again", c.State)
	}
	got := k.healthyAgain()
	if n := len(slices.DeleteFunc(slices.Clone(got), func(s string) bool { return s != "kv" })); n != 2 {
		t.Errorf("Healthy was called with %v; want kv at its boot and again after the start", got)
	}
	if got := k.rec.phases(event.Infra, "queue"); slices.Contains(got, event.Dead) {
		t.Errorf("queue, never stopped, went %v", got)
	}
}

func TestKeeperDoublesItsBackoffWhileTheContainerKeepsExiting(t *testing.T) {
	k := newKept(t, docker.KeeperOptions{})
	k.boot(t)
	k.fake.AddImage("crisp/kv:1", dockerfake.Image{ID: "sha256:kv", ExitCode: 3}) // crashes at start from now on
	from := k.seen()
	if err := k.fake.Exit("crisp-kv", 137); err != nil {
		t.Fatal(err)
	}
	e, next := k.eventAfter(t, 2*time.Second, "kv", from, "dead", phaseIs(event.Dead))
	if !strings.HasPrefix(e.Error, "exited with code 137, not stopped by this stack: starting it again in 1s\n") {
		t.Errorf("first dead event: %s", e.Error)
	}
	e, _ = k.eventAfter(t, 3*time.Second, "kv", next, "a second wait", func(e event.Event) bool {
		return e.Phase == event.Dead && strings.HasPrefix(e.Error, "did not start again: trying again in 2s\n")
	})
	if !strings.Contains(e.Error, "exited with code 3") {
		t.Errorf("the failed start's event does not say why: %s", e.Error)
	}
	starts := k.fake.CallsMatching("start crisp-kv")
	if len(starts) != 2 { // the boot's and the keeper's first
		t.Errorf("starts %v, want the boot's and one more", starts)
	}
}

func TestKeeperLeavesAloneWhatCrispifyStops(t *testing.T) {
	k := newKept(t, docker.KeeperOptions{})
	k.boot(t)
	ctx := context.Background()
	// Another project of the same stack (the board's s) stops it: one
	// made after the boot's, as every call of a supervisor makes one.
	if err := k.Project(k.m, false).Stop(ctx, "kv"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond) // past a first backoff
	if starts := k.fake.CallsMatching("start crisp-kv"); len(starts) != 1 {
		t.Errorf("starts %v after crispify stop: the keeper fought it", starts)
	}
	if e := k.rec.last(event.Infra, "kv"); e.Phase != event.Dead || !strings.Contains(e.Msg, "stopped by you") {
		t.Errorf("last event after crispify stop: %+v", e)
	}
	// A restart by crispify, then a stop behind its back: kept again.
	if err := k.Project(k.m, false).Restart(ctx, "kv"); err != nil {
		t.Fatal(err)
	}
	from := k.seen()
	if err := k.fake.ContainerStop(ctx, "crisp-kv", time.Second); err != nil {
		t.Fatal(err)
	}
	k.eventAfter(t, 4*time.Second, "kv", from, "healthy again", phaseIs(event.Healthy))
}

func TestKeeperShowsARemovedContainerAndMakesNoOther(t *testing.T) {
	k := newKept(t, docker.KeeperOptions{})
	k.boot(t)
	ctx := context.Background()
	from := k.seen()
	if err := k.fake.ContainerRemove(ctx, "crisp-queue", false); err != nil { // docker rm -f
		t.Fatal(err)
	}
	e, _ := k.eventAfter(t, 2*time.Second, "queue", from, "removed", phaseIs(event.Removed))
	if !strings.Contains(e.Msg, "crispify infra queue") {
		t.Errorf("removed event: %+v", e)
	}
	time.Sleep(1500 * time.Millisecond)
	for _, call := range k.fake.Calls()[from:] {
		if strings.HasPrefix(call, "create") || strings.HasPrefix(call, "start") {
			t.Errorf("the keeper made or started a container after a removal: %s", call)
		}
	}
}

func TestKeeperFollowsAgainAfterTheEngineComesBack(t *testing.T) {
	k := newKept(t, docker.KeeperOptions{})
	k.boot(t)
	subscribed := k.fake.Subscriptions()
	from := k.seen()
	down := errors.New("Cannot connect to the Docker daemon")
	k.fake.SetUnreachable(down)
	k.fake.BreakEvents(down)
	e, _ := k.eventAfter(t, 2*time.Second, "kv", from, "a row saying the engine is gone", phaseIs(event.Sick))
	if !strings.Contains(e.Error, "does not answer") {
		t.Errorf("sick event: %+v", e)
	}
	// The engine restarts: its containers exited meanwhile, and no event
	// of it came through.
	if err := k.fake.Exit("crisp-kv", 0); err != nil {
		t.Fatal(err)
	}
	from = k.seen()
	k.fake.SetUnreachable(nil)
	_, next := k.eventAfter(t, 8*time.Second, "kv", from, "dead", phaseIs(event.Dead))
	k.eventAfter(t, 4*time.Second, "kv", next, "healthy again", phaseIs(event.Healthy))
	// queue ran throughout: healthy again if it was said to be unseen.
	waitFor(t, k.rec, "queue", phaseIs(event.Healthy))
	if k.fake.Subscriptions() <= subscribed {
		t.Errorf("no new event stream after the break")
	}
	// The new stream works: a stop now is seen at once.
	from = k.seen()
	if err := k.fake.ContainerStop(context.Background(), "crisp-queue", time.Second); err != nil {
		t.Fatal(err)
	}
	k.eventAfter(t, time.Second, "queue", from, "dead", phaseIs(event.Dead))
}

func TestKeeperStandingDownReportsButStartsNothing(t *testing.T) {
	k := newKept(t, docker.KeeperOptions{})
	k.boot(t)
	k.StandDown()
	from := k.seen()
	if err := k.fake.ContainerStop(context.Background(), "crisp-kv", time.Second); err != nil {
		t.Fatal(err)
	}
	e, _ := k.eventAfter(t, 2*time.Second, "kv", from, "dead", phaseIs(event.Dead))
	if strings.Contains(e.Error, "starting it again") {
		t.Errorf("a keeper standing down says it starts it again: %s", e.Error)
	}
	time.Sleep(1500 * time.Millisecond)
	if starts := k.fake.CallsMatching("start crisp-kv"); len(starts) != 1 {
		t.Errorf("starts %v while standing down", starts)
	}
}

// A board whose supervisor stopped follows the teardown of another
// process: each container shown removed, then the following ends.
func TestAWatchingKeeperEndsOnceEveryContainerIsGone(t *testing.T) {
	// Brought up by another process: the board knows it from its events.
	k := newKept(t, docker.KeeperOptions{Watch: true, EndWhenGone: true, Shown: map[string]event.Phase{"kv": event.Healthy, "queue": event.Healthy}})
	ctx := context.Background()
	other := docker.NewProject(docker.ProjectOptions{Engine: k.fake, Manifest: k.m, Sink: event.Discard})
	up(t, other, "kv", "queue")
	k.Start()
	from := k.seen()
	if _, err := other.Down(ctx, false); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"kv", "queue"} {
		k.eventAfter(t, 2*time.Second, name, from, "removed", phaseIs(event.Removed))
	}
	select {
	case <-k.Gone():
	case <-time.After(2 * time.Second):
		t.Fatal("the keeper still follows a project with no container left")
	}
	if starts := k.fake.CallsMatching("start"); len(starts) != 2 {
		t.Errorf("a watching keeper started something: %v", starts)
	}
}
