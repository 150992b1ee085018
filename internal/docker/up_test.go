package docker_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crispify/crispify/internal/docker"
	"github.com/crispify/crispify/internal/docker/dockerfake"
	"github.com/crispify/crispify/internal/event"
)

func TestUpCreatesLabelledContainerVolumeAndWaitsHealthy(t *testing.T) {
	p, fake, rec := newProject(t, testManifest)
	up(t, p, "redis")

	spec, ok := fake.Spec("crisp-redis")
	if !ok {
		t.Fatalf("no container crisp-redis; calls %q", fake.Calls())
	}
	if spec.Labels[docker.LabelProject] != "crisp" || spec.Labels[docker.LabelInfra] != "redis" || spec.Labels[docker.LabelConfigHash] == "" {
		t.Errorf("labels %v", spec.Labels)
	}
	if len(spec.Ports) != 1 || spec.Ports[0].HostIP != "127.0.0.1" || spec.Ports[0].HostPort != 16379 {
		t.Errorf("ports %+v: want 127.0.0.1:16379 only", spec.Ports)
	}
	if spec.Network != "crisp" || !slices.Equal(spec.Aliases, []string{"redis"}) {
		t.Errorf("network %q aliases %q", spec.Network, spec.Aliases)
	}
	if spec.Health == nil || !slices.Equal(spec.Health.Test, []string{"CMD", "redis-cli", "ping"}) {
		t.Errorf("health %+v", spec.Health)
	}
	v, ok := fake.Volumes["crisp_redis_data"]
	if !ok || v.Labels[docker.LabelProject] != "crisp" {
		t.Errorf("volume crisp_redis_data: %+v, present %v", v, ok)
	}
	got := rec.phases(event.Infra, "redis")
	want := []event.Phase{event.Creating, event.Starting, event.Healthy}
	if !slices.Equal(got, want) {
		t.Errorf("events %v, want %v", got, want)
	}
	if e := rec.last(event.Infra, "redis"); len(e.Ports) != 1 {
		t.Errorf("healthy event ports %v", e.Ports)
	}
}

func TestShellFormHealthCheck(t *testing.T) {
	p, fake, _ := newProject(t, testManifest)
	up(t, p, "mysql")
	spec, _ := fake.Spec("crisp-mysql")
	if !slices.Equal(spec.Health.Test, []string{"CMD-SHELL", "mysqladmin ping"}) {
		t.Errorf("health test %q", spec.Health.Test)
	}
}

func TestSecondUpChangesNothing(t *testing.T) {
	p, fake, rec := newProject(t, testManifest)
	up(t, p, "redis", "plain")
	before, streams := len(fake.Calls()), fake.Subscriptions()
	up(t, p, "redis", "plain")
	if extra := fake.Calls()[before:]; len(extra) != 0 {
		t.Errorf("second up made calls %q, want none", extra)
	}
	// Healthy already: an inspect says so, with no event stream opened.
	if n := fake.Subscriptions() - streams; n != 0 {
		t.Errorf("second up opened %d event streams, want none", n)
	}
	// And one probe confirms that Redis answers, as it did.
	if e := rec.last(event.Infra, "redis"); e.Phase != event.Healthy || e.Msg != "already running (redis answered)" {
		t.Errorf("second up said %s %q", e.Phase, e.Msg)
	}
}

func TestStoppedContainerIsStartedNotRecreated(t *testing.T) {
	p, fake, _ := newProject(t, testManifest)
	up(t, p, "redis")
	ctx := context.Background()
	if err := fake.ContainerStop(ctx, "crisp-redis", time.Second); err != nil {
		t.Fatal(err)
	}
	before := len(fake.Calls())
	up(t, p, "redis")
	extra := fake.Calls()[before:]
	if !slices.Equal(extra, []string{"start crisp-redis"}) {
		t.Errorf("calls %q, want just a start", extra)
	}
}

func TestChangedConfigRecreatesOnlyThatContainerAndKeepsVolumes(t *testing.T) {
	p, fake, _ := newProject(t, testManifest)
	up(t, p, "redis", "mysql")
	oldRedis, _ := fake.ContainerInspect(context.Background(), "crisp-redis")

	p.Manifest.Infra["mysql"].Env["MYSQL_ROOT_PASSWORD"] = "changed"
	before := len(fake.Calls())
	up(t, p, "redis", "mysql")
	extra := fake.Calls()[before:]
	want := []string{"rename crisp-mysql crisp-mysql-replaced-", "stop crisp-mysql-replaced-", "create crisp-mysql", "rm crisp-mysql-replaced-", "start crisp-mysql"}
	if len(extra) != len(want) {
		t.Fatalf("calls %q, want %q", extra, want)
	}
	for i := range want {
		if !strings.HasPrefix(extra[i], want[i]) {
			t.Errorf("call %d: %q, want %q...", i, extra[i], want[i])
		}
	}
	if _, ok := fake.Volumes["crisp_mysql_data"]; !ok {
		t.Error("volume crisp_mysql_data removed by a recreate")
	}
	if r, _ := fake.ContainerInspect(context.Background(), "crisp-redis"); r.ID != oldRedis.ID {
		t.Error("redis was recreated though it did not change")
	}
}

func TestRecreateCarriesAnonymousVolumes(t *testing.T) {
	p, fake, _ := newProject(t, testManifest)
	up(t, p, "plain")
	anon := strings.Repeat("ab", 32)
	for _, c := range fake.Containers {
		c.Mounts = append(c.Mounts, docker.Mount{Type: "volume", Name: anon, Destination: "/var/lib/thing"})
	}
	p.Manifest.Infra["plain"].Command = []string{"sleep", "1000"}
	up(t, p, "plain")
	spec, _ := fake.Spec("crisp-plain")
	if !slices.ContainsFunc(spec.Mounts, func(m docker.Mount) bool { return m.Name == anon && m.Destination == "/var/lib/thing" }) {
		t.Errorf("new container mounts %+v: the anonymous volume did not move over", spec.Mounts)
	}
}

func TestInterruptedRecreateIsCleanedUp(t *testing.T) {
	ctx := context.Background()
	t.Run("new container exists: the old one aside is removed", func(t *testing.T) {
		p, fake, _ := newProject(t, testManifest)
		up(t, p, "plain")
		aside, _ := fake.ContainerCreate(ctx, docker.ContainerSpec{Name: "crisp-plain-replaced-1234", Image: "busybox:1", Labels: map[string]string{docker.LabelProject: "crisp", docker.LabelInfra: "plain"}})
		up(t, p, "plain")
		if _, err := fake.ContainerInspect(ctx, aside); !errors.Is(err, docker.ErrNotFound) {
			t.Errorf("leftover still there: %v; calls %q", err, fake.Calls())
		}
	})
	t.Run("new container missing: the old one is renamed back and used", func(t *testing.T) {
		p, fake, _ := newProject(t, testManifest)
		up(t, p, "plain")
		c, _ := fake.ContainerInspect(ctx, "crisp-plain")
		if err := fake.ContainerRename(ctx, c.ID, "crisp-plain-replaced-abc"); err != nil {
			t.Fatal(err)
		}
		up(t, p, "plain")
		now, err := fake.ContainerInspect(ctx, "crisp-plain")
		if err != nil || now.ID != c.ID {
			t.Errorf("want the old container back under its name, got %+v, %v", now, err)
		}
	})
}

func TestUnhealthyFailsWithLogsAndSickEvent(t *testing.T) {
	p, fake, rec := newProject(t, testManifest)
	fake.AddImage("redis:7", dockerfake.Image{ID: "sha256:redis", Health: "unhealthy", Logs: []string{"booting", "oops: bad config"}})
	ctx := context.Background()
	_ = p.EnsureNetwork(ctx)
	err := p.Up(ctx, "redis")
	var he *docker.HealthError
	if !errors.As(err, &he) {
		t.Fatalf("got %v, want a HealthError", err)
	}
	msg := err.Error()
	for _, want := range []string{"redis (container crisp-redis) is unhealthy", "check failed", "oops: bad config", "crispify logs redis"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	if e := rec.last(event.Infra, "redis"); e.Phase != event.Sick || !strings.Contains(e.Error, "oops") {
		t.Errorf("last event %s %q, want sick with the logs", e.Phase, e.Error)
	}
}

func TestExitedContainerFailsAsDead(t *testing.T) {
	p, fake, rec := newProject(t, testManifest)
	fake.AddImage("busybox:1", dockerfake.Image{ID: "sha256:busybox", ExitCode: 3, Logs: []string{"cannot start"}})
	_ = p.EnsureNetwork(context.Background())
	err := p.Up(context.Background(), "plain")
	if err == nil || !strings.Contains(err.Error(), "exited with code 3") || !strings.Contains(err.Error(), "cannot start") {
		t.Fatalf("got %v", err)
	}
	if e := rec.last(event.Infra, "plain"); e.Phase != event.Dead {
		t.Errorf("last event %s, want dead", e.Phase)
	}
}

func TestForeignContainerWithOurNameIsNeverTouched(t *testing.T) {
	p, fake, rec := newProject(t, testManifest)
	ctx := context.Background()
	id, _ := fake.ContainerCreate(ctx, docker.ContainerSpec{Name: "crisp-plain", Image: "busybox:1"})
	_ = p.EnsureNetwork(ctx)
	err := p.Up(ctx, "plain")
	if err == nil || !strings.Contains(err.Error(), "not crispify's") {
		t.Fatalf("got %v, want a refusal", err)
	}
	if _, err := fake.ContainerInspect(ctx, id); err != nil {
		t.Errorf("foreign container gone: %v", err)
	}
	if e := rec.last(event.Infra, "plain"); e.Phase != event.Failed {
		t.Errorf("event %s, want failed", e.Phase)
	}
}

func TestSpecHashChangesWithImageAndConfigOnly(t *testing.T) {
	m := load(t, testManifest)
	a := docker.Spec(m, m.Infra["redis"], "sha256:1")
	b := docker.Spec(m, m.Infra["redis"], "sha256:1")
	c := docker.Spec(m, m.Infra["redis"], "sha256:2")
	if a.Labels[docker.LabelConfigHash] != b.Labels[docker.LabelConfigHash] {
		t.Error("same input, different hash")
	}
	if a.Labels[docker.LabelConfigHash] == c.Labels[docker.LabelConfigHash] {
		t.Error("a newer image must change the hash")
	}
	m.Infra["redis"].Ports[0].Host = 16380
	if d := docker.Spec(m, m.Infra["redis"], "sha256:1"); d.Labels[docker.LabelConfigHash] == a.Labels[docker.LabelConfigHash] {
		t.Error("a changed port must change the hash")
	}
}
