package docker_test

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"slices"
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

func TestForeignNetworkIsRefused(t *testing.T) {
	p, fake, _ := newProject(t, testManifest)
	fake.Networks["someones"] = docker.Network{ID: "someones", Name: "crisp"}
	err := p.EnsureNetwork(context.Background())
	if err == nil || !strings.Contains(err.Error(), "not crispify's") {
		t.Fatalf("got %v", err)
	}
}

func TestTakenPortNamesItsHolderAndCreatesNothing(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	text := strings.Replace(testManifest, `["16379:6379"]`, `["`+itoa(port)+`:6379"]`, 1)
	p, fake, _ := newProject(t, text)
	p.Local = true
	_ = p.EnsureNetwork(context.Background())
	err = p.Up(context.Background(), "redis")
	var pe *docker.PortError
	if !errors.As(err, &pe) {
		t.Fatalf("got %v, want a PortError", err)
	}
	if !strings.Contains(err.Error(), itoa(port)) || !strings.Contains(err.Error(), "process ") {
		t.Errorf("error does not name the port and the process: %v", err)
	}
	if c := fake.CallsMatching("create"); len(c) != 0 {
		t.Errorf("created %q despite the conflict", c)
	}
}

func TestPortHeldByAnotherContainerIsNamed(t *testing.T) {
	p, fake, _ := newProject(t, testManifest)
	p.Local = true
	ctx := context.Background()
	id, _ := fake.ContainerCreate(ctx, docker.ContainerSpec{Name: "someones-redis", Image: "redis:7", Ports: []docker.PortBinding{{HostIP: "0.0.0.0", HostPort: 16379, ContainerPort: 6379, Proto: "tcp"}}})
	_ = fake.ContainerStart(ctx, id)
	_ = p.EnsureNetwork(ctx)
	err := p.Up(ctx, "redis")
	if err == nil || !strings.Contains(err.Error(), "container someones-redis (not crispify's)") {
		t.Fatalf("got %v", err)
	}
}

func TestEnsureImagePullsMissingAndNamesFailures(t *testing.T) {
	p, fake, rec := newProject(t, testManifest)
	fake.Images["redis:8"] = &dockerfake.Image{ID: "sha256:r8"}
	id, err := p.EnsureImage(context.Background(), "redis:8")
	if err != nil || id != "sha256:r8" {
		t.Fatalf("pull redis:8: %q %v", id, err)
	}
	if got := rec.phases(event.Image, "redis:8"); got[0] != event.Pulling || got[len(got)-1] != event.Pulled {
		t.Errorf("image events %v", got)
	}
	_, err = p.EnsureImage(context.Background(), "nope:1")
	if err == nil || !strings.Contains(err.Error(), "pull image nope:1") {
		t.Fatalf("got %v", err)
	}
	if e := rec.last(event.Image, "nope:1"); e.Phase != event.Failed {
		t.Errorf("event %s", e.Phase)
	}
	if got := rec.phases(event.Image, "redis:7"); len(got) != 0 {
		t.Errorf("present image events before asking: %v", got)
	}
	if _, err := p.EnsureImage(context.Background(), "redis:7"); err != nil || len(fake.CallsMatching("pull redis:7")) != 0 {
		t.Errorf("present image was pulled: %v %q", err, fake.Calls())
	}
}

func TestDownRemovesOnlyOurs(t *testing.T) {
	p, fake, _ := newProject(t, testManifest)
	up(t, p, "redis", "mysql")
	ctx := context.Background()
	foreign, _ := fake.ContainerCreate(ctx, docker.ContainerSpec{Name: "someone-else", Image: "busybox:1"})
	other, _ := fake.ContainerCreate(ctx, docker.ContainerSpec{Name: "other-redis", Image: "redis:7", Labels: map[string]string{docker.LabelProject: "other"}})
	_ = fake.VolumeCreate(ctx, "precious", nil)

	report, err := p.Down(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(report.Containers) != 2 || !report.Network || len(report.Volumes) != 0 {
		t.Errorf("report %+v", report)
	}
	for _, id := range []string{foreign, other} {
		if _, err := fake.ContainerInspect(ctx, id); err != nil {
			t.Errorf("container %s removed: %v", id, err)
		}
	}
	if _, ok := fake.Volumes["crisp_redis_data"]; !ok {
		t.Error("data volume removed without --volumes")
	}

	up(t, p, "redis")
	report, err = p.Down(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := fake.Volumes["crisp_redis_data"]; ok {
		t.Error("data volume kept with --volumes")
	}
	if _, ok := fake.Volumes["precious"]; !ok {
		t.Error("foreign volume removed")
	}

	// Twice is fine.
	if _, err := p.Down(ctx, true); err != nil {
		t.Errorf("second down: %v", err)
	}
}

func TestStatusReadsEveryInfra(t *testing.T) {
	p, fake, _ := newProject(t, testManifest)
	up(t, p, "redis", "plain")
	_ = fake.ContainerStop(context.Background(), "crisp-plain", time.Second)
	rows, err := p.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range rows {
		got[r.Name] = r.State
	}
	want := map[string]string{"redis": "healthy", "mysql": "dead", "plain": "dead"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %s, want %s", k, got[k], v)
		}
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

func itoa(n int) string { return strconv.Itoa(n) }

func TestStopAndRestartOneContainer(t *testing.T) {
	p, fake, rec := newProject(t, testManifest)
	up(t, p, "redis")
	ctx := context.Background()
	if err := p.Stop(ctx, "redis"); err != nil {
		t.Fatal(err)
	}
	if c, _ := fake.ContainerInspect(ctx, "crisp-redis"); c.State != "exited" {
		t.Errorf("state %s after Stop", c.State)
	}
	if e := rec.last(event.Infra, "redis"); e.Phase != event.Dead {
		t.Errorf("event %s after Stop", e.Phase)
	}
	if err := p.Restart(ctx, "redis"); err != nil {
		t.Fatal(err)
	}
	if e := rec.last(event.Infra, "redis"); e.Phase != event.Healthy {
		t.Errorf("event %s after Restart", e.Phase)
	}
	if err := p.Restart(ctx, "mysql"); err == nil || !strings.Contains(err.Error(), "crispify infra mysql") {
		t.Errorf("restart of a container that does not exist: %v", err)
	}
}

func TestTheExpectedSlowestStartsFirstAlone(t *testing.T) {
	for _, c := range []struct {
		name    string
		history string
		lead    string
	}{
		// mysql's health check allows the longest: 60 retries at the defaults.
		{"by health budget", "", "redis"},
		{"by the time it took last", `{"mysql": 20000}`, "mysql"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, fake, _ := newProject(t, testManifest)
			p.Manifest.Infra["redis"].Health.Retries = 120
			if c.history != "" {
				path := filepath.Join(p.Manifest.StateDir(), "infra-health-times.json")
				os.MkdirAll(filepath.Dir(path), 0o755)
				os.WriteFile(path, []byte(c.history), 0o644)
			}
			ctx := context.Background()
			_ = p.EnsureNetwork(ctx)
			p.ChooseLead([]string{"redis", "mysql", "plain"})
			var wg sync.WaitGroup
			for _, n := range []string{"plain", "mysql", "redis"} { // the lead last
				wg.Add(1)
				go func() {
					defer wg.Done()
					if err := p.Up(ctx, n); err != nil {
						t.Errorf("up %s: %v", n, err)
					}
				}()
			}
			wg.Wait()
			calls := fake.Calls()
			leadStart := slices.Index(calls, "start crisp-"+c.lead)
			for i, call := range calls {
				if strings.HasPrefix(call, "create ") && call != "create crisp-"+c.lead && i < leadStart {
					t.Errorf("%s before the lead %s started: %q", call, c.lead, calls)
				}
			}
			times, _ := os.ReadFile(filepath.Join(p.Manifest.StateDir(), "infra-health-times.json"))
			if !strings.Contains(string(times), `"plain"`) {
				t.Errorf("health times not recorded: %s", times)
			}
		})
	}
}

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

func TestSecondRunWaitsForTheFirstAndSaysSo(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir()) // where the lock lives
	t.Setenv("HOME", t.TempDir())           // (macOS's cache folder)
	first, _, _ := newProject(t, testManifest)
	second, _, rec := newProject(t, testManifest)
	ctx := context.Background()
	if err := first.Lock(ctx, []string{"plain"}); err != nil {
		t.Fatal(err)
	}
	if err := first.Lock(ctx, []string{"plain"}); err != nil { // held: no self-deadlock
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() { got <- second.Lock(ctx, []string{"plain"}) }()
	select {
	case err := <-got:
		t.Fatalf("second run took the lock while the first held it (err %v)", err)
	case <-time.After(300 * time.Millisecond):
	}
	if e := rec.last(event.Infra, "plain"); e.Phase != event.Waiting || !strings.Contains(e.Msg, "another crispify") {
		t.Errorf("waiting run reported %+v", e)
	}
	first.Unlock()
	if err := <-got; err != nil {
		t.Fatal(err)
	}
	second.Unlock()
	second.Unlock() // twice is harmless
}

func TestOthersStartJustInTimeForTheLead(t *testing.T) {
	p, fake, rec := newProject(t, testManifest)
	// mysql boots as long as last time: healthy 1.6 s after its start.
	fake.AddImage("mysql:8", dockerfake.Image{ID: "sha256:mysql", Health: "starting"})
	go func() {
		for !slices.Contains(fake.CallsMatching("start "), "start crisp-mysql") {
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(1600 * time.Millisecond)
		fake.SetHealth("crisp-mysql", "healthy")
	}()
	path := filepath.Join(p.Manifest.StateDir(), "infra-health-times.json")
	os.MkdirAll(filepath.Dir(path), 0o755)
	// mysql took 1.6 s last time, plain 0.2 s and redis was never timed:
	// plain waits 1.6 - 0.4 (a quarter to spare) - 0.2 = 1 s, redis not.
	os.WriteFile(path, []byte(`{"mysql": 1600, "plain": 200}`), 0o644)
	ctx := context.Background()
	_ = p.EnsureNetwork(ctx)
	p.ChooseLead([]string{"redis", "mysql", "plain"})
	began := time.Now()
	var wg sync.WaitGroup
	took := map[string]time.Duration{}
	var mu sync.Mutex
	for _, n := range []string{"plain", "mysql", "redis"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := p.Up(ctx, n); err != nil {
				t.Errorf("up %s: %v", n, err)
			}
			mu.Lock()
			took[n] = time.Since(began)
			mu.Unlock()
		}()
	}
	wg.Wait()
	if took["plain"] < time.Second {
		t.Errorf("plain was up after %s: it should have started 1 s after mysql", took["plain"])
	}
	if took["redis"] >= time.Second {
		t.Errorf("redis, never timed, was held back %s", took["redis"])
	}
	if e := rec.phases(event.Infra, "plain"); !slices.Contains(e, event.Waiting) {
		t.Errorf("plain's phases %v: its wait was not reported", e)
	}
	for _, e := range rec.events {
		if e.Name == "plain" && e.Phase == event.Waiting && !strings.Contains(e.Msg, "held back 1s, so as not to slow the boot of mysql") {
			t.Errorf("plain's wait says %q", e.Msg)
		}
	}
}

func TestNoWaitWhenTheLeadIsAlreadyRunning(t *testing.T) {
	p, fake, _ := newProject(t, testManifest)
	up(t, p, "mysql")
	path := filepath.Join(p.Manifest.StateDir(), "infra-health-times.json")
	os.WriteFile(path, []byte(`{"mysql": 5000, "plain": 200}`), 0o644)
	again := docker.NewProject(docker.ProjectOptions{Engine: fake, Manifest: p.Manifest, HealthTimeout: 5 * time.Second})
	again.ChooseLead([]string{"mysql", "plain"})
	began := time.Now()
	var wg sync.WaitGroup
	for _, n := range []string{"plain", "mysql"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := again.Up(context.Background(), n); err != nil {
				t.Errorf("up %s: %v", n, err)
			}
		}()
	}
	wg.Wait()
	if took := time.Since(began); took > time.Second {
		t.Errorf("took %s: plain waited for a lead that was not booting", took)
	}
}

func TestDownNamesTheUnnamedVolumesItLeaves(t *testing.T) {
	p, fake, _ := newProject(t, testManifest)
	up(t, p, "redis", "plain")
	anon := strings.Repeat("cd", 32)
	for _, c := range fake.Containers {
		if c.Name == "crisp-plain" {
			c.Mounts = append(c.Mounts, docker.Mount{Type: "volume", Name: anon, Destination: "/var/lib/thing"})
		}
	}
	report, err := p.Down(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	// redis's own named volume is not in the list: the next boot reuses it.
	if !slices.Equal(report.Unnamed, []string{anon}) {
		t.Errorf("unnamed volumes reported %q, want just %s", report.Unnamed, anon)
	}
}

func TestALeadHealthySoonerThanLastTimeReleasesTheOthers(t *testing.T) {
	p, _, rec := newProject(t, testManifest)
	path := filepath.Join(p.Manifest.StateDir(), "infra-health-times.json")
	os.MkdirAll(filepath.Dir(path), 0o755)
	// mysql took 20 s last time, on a busier machine; now it is healthy at
	// once, and plain, held back for 14.8 s, must not wait them out.
	os.WriteFile(path, []byte(`{"mysql": 20000, "plain": 200}`), 0o644)
	ctx := context.Background()
	_ = p.EnsureNetwork(ctx)
	p.ChooseLead([]string{"mysql", "plain"})
	began := time.Now()
	var wg sync.WaitGroup
	for _, n := range []string{"plain", "mysql"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := p.Up(ctx, n); err != nil {
				t.Errorf("up %s: %v", n, err)
			}
		}()
	}
	wg.Wait()
	if took := time.Since(began); took > 5*time.Second {
		t.Errorf("took %s: plain waited out a delay its lead no longer needed", took)
	}
	if e := rec.phases(event.Infra, "plain"); !slices.Contains(e, event.Waiting) || !slices.Contains(e, event.Healthy) {
		t.Errorf("plain's phases %v: want held back, then healthy", e)
	}
}
