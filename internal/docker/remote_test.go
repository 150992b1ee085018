package docker_test

import (
	"context"
	"errors"
	"maps"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/crispify/crispify/internal/docker"
	"github.com/crispify/crispify/internal/docker/dockerfake"
	"github.com/crispify/crispify/internal/event"
)

// remoteProject is a project on a fake engine of another machine.
func remoteProject(t *testing.T, host, text string) (*docker.Project, *dockerfake.Engine, *recorder) {
	t.Helper()
	p, fake, rec := newProject(t, text)
	fake.At = host
	p.Owner = "alice@laptop"
	return p, fake, rec
}

// confManifest has a redis whose config folder and file are bind mounts.
func confManifest(t *testing.T, port string) (string, string) {
	t.Helper()
	dir := t.TempDir()
	conf := filepath.Join(dir, "conf")
	if err := os.MkdirAll(filepath.Join(conf, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(conf, "redis.conf"), "maxmemory 10mb\n")
	write(t, filepath.Join(conf, "sub", "extra.conf"), "appendonly no\n")
	if err := os.Symlink("redis.conf", filepath.Join(conf, "current.conf")); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "users.acl"), "user default on nopass ~* +@all\n")
	return `version: 1
project: crisp
infra:
  redis:
    image: redis:7
    ports: ["` + port + `"]
    volumes: ["` + conf + `:/usr/local/etc/redis:ro", "` + filepath.Join(dir, "users.acl") + `:/etc/redis/users.acl", "data:/data"]
    health: {cmd: ["redis-cli", "ping"]}
`, dir
}

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestSSHEnginePublishesOnItsLoopbackAndCopiesBindMounts(t *testing.T) {
	text, _ := confManifest(t, "0.0.0.0:16379:6379")
	p, fake, rec := remoteProject(t, "ssh://dev@buildbox", text)
	up(t, p, "redis")

	spec, _ := fake.Spec("crisp-redis")
	if len(spec.Ports) != 1 || spec.Ports[0].HostIP != "127.0.0.1" {
		t.Errorf("ports %+v: over ssh:// they go on the engine's 127.0.0.1 only, whatever the manifest's address", spec.Ports)
	}
	for _, m := range spec.Mounts {
		if m.Type == "bind" {
			t.Errorf("bind mount %+v given to an engine that cannot see this machine's files", m)
		}
	}
	c, _ := fake.ContainerInspect(context.Background(), "crisp-redis")
	want := map[string]string{
		"usr/local/etc/redis":                "<dir>",
		"usr/local/etc/redis/redis.conf":     "maxmemory 10mb\n",
		"usr/local/etc/redis/sub":            "<dir>",
		"usr/local/etc/redis/sub/extra.conf": "appendonly no\n",
		"usr/local/etc/redis/current.conf":   "-> redis.conf",
		"etc/redis/users.acl":                "user default on nopass ~* +@all\n",
	}
	if got := fake.Files[c.ID]; !maps.Equal(got, want) {
		t.Errorf("copied %v\nwant %v", got, want)
	}
	if calls := strings.Join(fake.Calls(), "; "); !strings.Contains(calls, "create crisp-redis; copy crisp-redis /; start crisp-redis") {
		t.Errorf("the files must be copied after create and before start: %s", calls)
	}
	if e := rec.last(event.Infra, "redis"); e.Phase != event.Healthy || !strings.Contains(e.Msg, "forwarded here only while a stack runs") {
		t.Errorf("without tunnels, the healthy event must say where the ports are: %+v", e)
	}
}

func TestAnEditedBindFileRecreatesTheRemoteContainerATouchedOneDoesNot(t *testing.T) {
	text, dir := confManifest(t, "16379:6379")
	p, fake, _ := remoteProject(t, "ssh://dev@buildbox", text)
	up(t, p, "redis")
	first, _ := fake.ContainerInspect(context.Background(), "crisp-redis")

	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(filepath.Join(dir, "conf", "redis.conf"), later, later); err != nil {
		t.Fatal(err)
	}
	up(t, p, "redis")
	if c, _ := fake.ContainerInspect(context.Background(), "crisp-redis"); c.ID != first.ID {
		t.Error("a file touched but not changed recreated the container")
	}

	write(t, filepath.Join(dir, "conf", "redis.conf"), "maxmemory 20mb\n")
	up(t, p, "redis")
	c, _ := fake.ContainerInspect(context.Background(), "crisp-redis")
	if c.ID == first.ID {
		t.Fatal("an edited bind-mounted file did not recreate the container: its new content would never reach it")
	}
	if got := fake.Files[c.ID]["usr/local/etc/redis/redis.conf"]; got != "maxmemory 20mb\n" {
		t.Errorf("new container has %q", got)
	}
}

func TestBindMountsOverTheCapAreRefusedBeforeCreating(t *testing.T) {
	text, dir := confManifest(t, "16379:6379")
	big, err := os.Create(filepath.Join(dir, "conf", "dump.rdb"))
	if err != nil {
		t.Fatal(err)
	}
	if err := big.Truncate(65 << 20); err != nil { // sparse: costs no disk
		t.Fatal(err)
	}
	big.Close()
	p, fake, _ := remoteProject(t, "ssh://dev@buildbox", text)
	_ = p.EnsureNetwork(context.Background())
	err = p.Up(context.Background(), "redis")
	if err == nil || !strings.Contains(err.Error(), "over 64 MiB to copy to a remote engine") || !strings.Contains(err.Error(), "named volume") {
		t.Fatalf("got %v, want the cap named with what to do", err)
	}
	if c := fake.CallsMatching("create"); len(c) != 0 {
		t.Errorf("created %q though the copy was refused", c)
	}
}

func TestAFailedCopyLeavesNoContainerToStartEmpty(t *testing.T) {
	text, _ := confManifest(t, "16379:6379")
	p, fake, _ := remoteProject(t, "tcp://10.0.0.5:2376", strings.Replace(text, `["16379:6379"]`, `["0.0.0.0:16379:6379"]`, 1))
	fake.CopyError = errors.New("no space left on device")
	_ = p.EnsureNetwork(context.Background())
	err := p.Up(context.Background(), "redis")
	if err == nil || !strings.Contains(err.Error(), "no space left on device") || !strings.Contains(err.Error(), "conf") {
		t.Fatalf("got %v", err)
	}
	if _, err := fake.ContainerInspect(context.Background(), "crisp-redis"); err == nil {
		t.Error("a container whose files were not copied was left, to be started as it is by the next run")
	}
}

func TestMissingBindSourceIsNamed(t *testing.T) {
	text, dir := confManifest(t, "16379:6379")
	os.RemoveAll(filepath.Join(dir, "conf"))
	p, _, _ := remoteProject(t, "ssh://dev@buildbox", text)
	_ = p.EnsureNetwork(context.Background())
	err := p.Up(context.Background(), "redis")
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "conf")) || !strings.Contains(err.Error(), "no such file") {
		t.Fatalf("got %v", err)
	}
}

func TestLocalEngineStillBindMounts(t *testing.T) {
	text, dir := confManifest(t, "16379:6379")
	p, fake, _ := newProject(t, text)
	up(t, p, "redis")
	spec, _ := fake.Spec("crisp-redis")
	binds := 0
	for _, m := range spec.Mounts {
		if m.Type == "bind" && strings.HasPrefix(m.Source, dir) {
			binds++
		}
	}
	if binds != 2 || len(spec.Copies) != 0 || len(fake.CallsMatching("copy")) != 0 {
		t.Errorf("a local engine must bind mount (got %d binds, copies %v)", binds, spec.Copies)
	}
}

func TestTCPEngineRefusesLoopbackPortsBeforeCreatingAnything(t *testing.T) {
	p, fake, _ := remoteProject(t, "tcp://10.0.0.5:2376", testManifest)
	err := p.EnsureNetwork(context.Background())
	for _, want := range []string{"tcp:// carries no tunnels", `redis publishes "16379:6379" on that machine's 127.0.0.1`, `write "0.0.0.0:16379:6379"`, "10.0.0.5", "nothing was created"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	if calls := fake.Calls(); len(calls) != 0 {
		t.Errorf("calls %q: nothing may be created", calls)
	}

	p, fake, _ = remoteProject(t, "tcp://10.0.0.5:2376", strings.Replace(testManifest, `"16379:6379"`, `"0.0.0.0:16379:6379"`, 1))
	up(t, p, "redis")
	if spec, _ := fake.Spec("crisp-redis"); spec.Ports[0].HostIP != "0.0.0.0" {
		t.Errorf("an explicit 0.0.0.0 is what the user asked for: %+v", spec.Ports)
	}
}

func TestSSHEngineRefusesUDPPorts(t *testing.T) {
	p, _, _ := remoteProject(t, "ssh://dev@buildbox", strings.Replace(testManifest, `"16379:6379"`, `"16379:6379/udp"`, 1))
	if err := p.EnsureNetwork(context.Background()); err == nil || !strings.Contains(err.Error(), "ssh forwards TCP only") {
		t.Fatalf("got %v", err)
	}
}

func TestOwnerLabelOnEverythingCreated(t *testing.T) {
	p, fake, _ := remoteProject(t, "ssh://dev@buildbox", testManifest)
	up(t, p, "redis")
	spec, _ := fake.Spec("crisp-redis")
	var network docker.Network
	for _, n := range fake.Networks {
		network = n
	}
	for what, labels := range map[string]map[string]string{"container": spec.Labels, "network": network.Labels, "volume": fake.Volumes["crisp_redis_data"].Labels} {
		if labels[docker.LabelOwner] != "alice@laptop" {
			t.Errorf("%s labels %v: want %s=alice@laptop", what, labels, docker.LabelOwner)
		}
	}
	if owner := docker.LocalOwner(); !strings.Contains(owner, "@") {
		t.Errorf("LocalOwner() = %q, want user@host", owner)
	}
}

// snapshot is every container, network and volume of a fake engine, whole.
func snapshot(f *dockerfake.Engine) any {
	cs := map[string]docker.Container{}
	for id, c := range f.Containers {
		cs[id] = *c
	}
	return []any{cs, maps.Clone(f.Networks), maps.Clone(f.Volumes)}
}

func TestAnotherOwnersProjectIsRefusedAndNeverTouched(t *testing.T) {
	p, fake, _ := remoteProject(t, "ssh://dev@buildbox", testManifest)
	bob := docker.NewProject(docker.ProjectOptions{Engine: fake, Manifest: p.Manifest, Owner: "bob@desk", HealthTimeout: 5 * time.Second})
	up(t, bob, "redis", "plain")
	before := snapshot(fake)
	ctx := context.Background()

	checks := map[string]error{"network": p.EnsureNetwork(ctx), "up": p.Up(ctx, "redis"), "stop": p.Stop(ctx, "redis"), "restart": p.Restart(ctx, "plain")}
	_, checks["down"] = p.Down(ctx, true)
	for what, err := range checks {
		var oe *docker.OwnerError
		if !errors.As(err, &oe) || !strings.Contains(err.Error(), "belongs to bob@desk, not to you (alice@laptop)") || !strings.Contains(err.Error(), "--project NAME or CRISPIFY_PROJECT=NAME") {
			t.Errorf("%s: %v, want a refusal naming bob@desk and how to pick another project name", what, err)
		}
	}
	status, err := p.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if status[0].State != docker.StateDead || !strings.Contains(status[0].Detail, "bob@desk") {
		t.Errorf("status %+v: another owner's container is not ours to show as up", status[0])
	}
	if after := snapshot(fake); !reflect.DeepEqual(before, after) {
		t.Errorf("another owner's resources changed:\nbefore %+v\nafter  %+v", before, after)
	}
}

func TestResourcesWithoutOwnerAreAdoptedLocallyAndRefusedRemotely(t *testing.T) {
	legacy := func(host string) (*docker.Project, *dockerfake.Engine) {
		p, fake, _ := remoteProject(t, host, testManifest)
		old := docker.NewProject(docker.ProjectOptions{Engine: fake, Manifest: p.Manifest, Owner: "x", HealthTimeout: 5 * time.Second})
		up(t, old, "plain")
		for id, c := range fake.Containers { // as an older crispify made them
			delete(c.Labels, docker.LabelOwner)
			fake.Containers[id] = c
		}
		for id, n := range fake.Networks {
			delete(n.Labels, docker.LabelOwner)
			fake.Networks[id] = n
		}
		return p, fake
	}
	p, fake := legacy("unix:///var/run/docker.sock")
	id := fake.CallsMatching("create")
	up(t, p, "plain")
	if again := fake.CallsMatching("create"); len(again) != len(id) {
		t.Errorf("a local engine's unlabelled container of the project is this machine's: want it kept, got %q", again)
	}

	p, fake = legacy("ssh://dev@buildbox")
	before := snapshot(fake)
	err := p.EnsureNetwork(context.Background())
	if err == nil || !strings.Contains(err.Error(), "no owner label") || !strings.Contains(err.Error(), "container crisp-plain") {
		t.Fatalf("got %v, want a refusal of unowned resources on a shared engine", err)
	}
	if after := snapshot(fake); !reflect.DeepEqual(before, after) {
		t.Error("unowned resources changed on a remote engine")
	}
}

func TestSSHPortPreflightNamesTheTunnelEndHere(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := itoa(l.Addr().(*net.TCPAddr).Port)
	p, fake, _ := remoteProject(t, "ssh://dev@buildbox", strings.Replace(testManifest, `"16379:6379"`, `"`+port+`:6379"`, 1))
	ctx := context.Background()
	// And the engine's own 127.0.0.1 holds it too, by a container there.
	id, _ := fake.ContainerCreate(ctx, docker.ContainerSpec{Name: "cache", Image: "redis:7", Ports: []docker.PortBinding{{HostIP: "127.0.0.1", HostPort: l.Addr().(*net.TCPAddr).Port, ContainerPort: 6379, Proto: "tcp"}}})
	_ = fake.ContainerStart(ctx, id)
	_ = p.EnsureNetwork(ctx)
	err = p.Up(ctx, "redis")
	for _, want := range []string{"127.0.0.1:" + port + " on ssh://dev@buildbox is taken by container cache (not crispify's)", "127.0.0.1:" + port + " on this machine, where its tunnel ends, is taken by process "} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	if _, err := fake.ContainerInspect(ctx, "crisp-redis"); err == nil {
		t.Error("created despite the conflicts")
	}
}
