package docker_test

import (
	"bufio"
	"context"
	"errors"
	"maps"
	"net"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crispify/crispify/internal/docker"
	"github.com/crispify/crispify/internal/docker/dockerfake"
	"github.com/crispify/crispify/internal/event"
)

// dataManifest has a redis whose only volume is its image's VOLUME /data,
// a mysql with a volume of the manifest's, and a queue whose data is
// shared by every branch.
const dataManifest = `version: 1
project: crisp
defaults: {branch: master}
infra:
  redis:
    image: redis:7
    ports: ["16379:6379"]
  mysql:
    image: mysql:8
    volumes: ["data:/var/lib/mysql"]
  queue:
    image: busybox:1
    volumes: ["q:/q"]
    data: shared
`

// redisServer answers PING and SAVE as Redis does, counting the SAVEs.
func redisServer(t *testing.T) (addr string, saves *atomic.Int32) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	saves = &atomic.Int32{}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				var cmd string
				for range 3 { // *1, $4, the command
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					cmd = strings.TrimSpace(line)
				}
				switch cmd {
				case "SAVE":
					saves.Add(1)
					c.Write([]byte("+OK\r\n"))
				default:
					c.Write([]byte("+PONG\r\n"))
				}
			}()
		}
	}()
	return ln.Addr().String(), saves
}

// dataProject is dataManifest on a fake engine with volume files, its
// infra up on the manifest's branch, each with some data.
func dataProject(t *testing.T) (*docker.Project, *dockerfake.Data, *recorder, *atomic.Int32) {
	t.Helper()
	fake := dockerfake.New()
	fake.AddImage("redis:7", dockerfake.Image{ID: "sha256:redis", Volumes: []string{"/data"}})
	fake.AddImage("mysql:8", dockerfake.Image{ID: "sha256:mysql"})
	fake.AddImage("busybox:1", dockerfake.Image{ID: "sha256:busybox"})
	data := dockerfake.NewData(fake)
	addr, saves := redisServer(t)
	rec := &recorder{}
	p := docker.NewProject(docker.ProjectOptions{Engine: data, Manifest: load(t, dataManifest), Sink: rec, HealthTimeout: 5 * time.Second,
		Reach: func(b docker.PortBinding) (string, bool) { return addr, b.ContainerPort == 6379 }})
	up(t, p, "redis", "mysql", "queue")
	data.Write("crisp_redis__data", map[string]string{"dump.rdb": "master's keys"})
	data.Write("crisp_mysql_data", map[string]string{"ibdata1": "master's rows", "crisp": "<dir>", "crisp/users.ibd": "users"})
	data.Write("crisp_queue_q", map[string]string{"q.log": "messages"})
	return p, data, rec, saves
}

// quiesce stops every infra for a copy.
func quiesce(t *testing.T, p *docker.Project, names ...string) {
	t.Helper()
	for _, n := range names {
		if err := p.Quiesce(context.Background(), n); err != nil {
			t.Fatalf("quiesce %s: %v", n, err)
		}
	}
}

func TestBranchVolumeName(t *testing.T) {
	valid := regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`)
	if got := docker.BranchVolumeName("crisp_redis_data", "master", "master"); got != "crisp_redis_data" {
		t.Errorf("the manifest's branch renames its volume: %s", got)
	}
	long := strings.Repeat("very-long-branch/", 10)
	seen := map[string]string{}
	for _, b := range []string{"feature/x", "feature-x", "Feature/X", "fix/ümlaut #3", long, long + "2"} {
		got := docker.BranchVolumeName("crisp_redis_data", b, "master")
		if !valid.MatchString(got) || !strings.HasPrefix(got, "crisp_redis_data.") || len(got) > len("crisp_redis_data.")+32+9 {
			t.Errorf("%q: volume %q", b, got)
		}
		if other, ok := seen[got]; ok {
			t.Errorf("%q and %q share volume %s", b, other, got)
		}
		seen[got] = b
	}
	if a, b := docker.SnapshotVolumeName("crisp_redis_data", "x"), docker.BranchVolumeName("crisp_redis_data", "x", "master"); a == b || !valid.MatchString(a) {
		t.Errorf("snapshot x's volume %s, branch x's %s", a, b)
	}
}

// A swap is a recreate with the other branch's volumes; the manifest's
// branch keeps the names and the hash volumes had before branches; shared
// data never moves.
func TestDataBranchSwapsVolumes(t *testing.T) {
	p, data, rec, _ := dataProject(t)
	fake := data.Engine
	master, _ := fake.Spec("crisp-redis")
	mounts := func(name string) []string {
		s, _ := fake.Spec(name)
		var out []string
		for _, m := range s.Mounts {
			out = append(out, m.Name)
		}
		return out
	}
	if got := mounts("crisp-redis"); !slices.Equal(got, []string{"crisp_redis__data"}) {
		t.Fatalf("redis on master mounts %v", got)
	}

	quiesce(t, p, "redis", "mysql")
	p.DataBranch = "feature/x"
	up(t, p, "redis", "mysql", "queue")
	feature, _ := fake.Spec("crisp-redis")
	if feature.Labels[docker.LabelConfigHash] == master.Labels[docker.LabelConfigHash] {
		t.Error("the config hash does not change with the data branch: no recreate")
	}
	if feature.Labels[docker.LabelDataBranch] != "feature/x" {
		t.Errorf("container labels %v", feature.Labels)
	}
	redisVol := docker.BranchVolumeName("crisp_redis__data", "feature/x", "master")
	mysqlVol := docker.BranchVolumeName("crisp_mysql_data", "feature/x", "master")
	if got := mounts("crisp-redis"); !slices.Equal(got, []string{redisVol}) {
		t.Errorf("redis on feature/x mounts %v", got)
	}
	if got := mounts("crisp-mysql"); !slices.Equal(got, []string{mysqlVol}) {
		t.Errorf("mysql on feature/x mounts %v", got)
	}
	if got := mounts("crisp-queue"); !slices.Equal(got, []string{"crisp_queue_q"}) {
		t.Errorf("shared queue on feature/x mounts %v", got)
	}
	v, err := fake.VolumeInspect(context.Background(), mysqlVol)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{docker.LabelProject: "crisp", docker.LabelInfra: "mysql", docker.LabelDataBranch: "feature/x",
		docker.LabelDataVolume: "crisp_mysql_data", docker.LabelDataPath: "/var/lib/mysql", docker.LabelOwner: docker.LocalOwner()}
	if !maps.Equal(v.Labels, want) {
		t.Errorf("labels of %s: %v, want %v", mysqlVol, v.Labels, want)
	}
	if got := data.Read(mysqlVol); len(got) != 0 {
		t.Errorf("a fresh branch has data: %v", got)
	}

	// Back on master: the same hash as before branches, master's data.
	quiesce(t, p, "redis", "mysql")
	p.DataBranch = ""
	up(t, p, "redis")
	back, _ := fake.Spec("crisp-redis")
	if back.Labels[docker.LabelConfigHash] != master.Labels[docker.LabelConfigHash] {
		t.Error("back on master, the hash differs from the one before branches")
	}
	if got := data.Read("crisp_redis__data")["dump.rdb"]; got != "master's keys" {
		t.Errorf("master's redis holds %q", got)
	}
	p.Swapped("redis")
	if e := rec.last(event.Data, "redis"); e.Phase != event.Swapped || e.Volume == nil || e.Volume.Branch != "master" {
		t.Errorf("swap event %+v", e)
	}
}

// Data written on master is copied to feature; changed there, master's
// stays as it was. Redis is asked to SAVE before it stops.
func TestCopyBranch(t *testing.T) {
	p, data, rec, saves := dataProject(t)
	ctx := context.Background()
	names, err := p.Forking(ctx)
	if err != nil || !slices.Equal(names, []string{"redis", "mysql"}) {
		t.Fatalf("forking: %v %v", names, err)
	}
	if ok, err := p.BranchData(ctx, "feature", names); ok || err != nil {
		t.Fatalf("feature has data before any copy: %v %v", ok, err)
	}
	quiesce(t, p, names...)
	if saves.Load() != 1 {
		t.Errorf("redis was asked to SAVE %d times, want 1", saves.Load())
	}
	if err := p.CopyBranch(ctx, "master", "feature", names); err != nil {
		t.Fatal(err)
	}
	mysqlVol := docker.BranchVolumeName("crisp_mysql_data", "feature", "master")
	if got, want := data.Read(mysqlVol), data.Read("crisp_mysql_data"); !maps.Equal(got, want) {
		t.Errorf("copy holds %v, want %v", got, want)
	}
	if ok, err := p.BranchData(ctx, "feature", names); !ok || err != nil {
		t.Errorf("feature has no data after the copy: %v %v", ok, err)
	}
	data.Write(mysqlVol, map[string]string{"ibdata1": "migrated"})
	if got := data.Read("crisp_mysql_data")["ibdata1"]; got != "master's rows" {
		t.Errorf("master's data changed with feature's: %q", got)
	}
	// Progress: bytes done of the total, the last at the total.
	e := rec.last(event.Data, "mysql")
	if e.Phase != event.Copied || e.Volume == nil || e.Volume.Total != int64(len("master's rows")+len("users")) || e.Volume.Done != e.Volume.Total || e.Volume.Branch != "feature" {
		t.Errorf("last data event %+v %+v", e, e.Volume)
	}
	if want := ": 18 B of 18 B"; !strings.HasSuffix(e.Msg, want) {
		t.Errorf("last data event says %q, want ...%q", e.Msg, want)
	}
	// Nothing of the copy is left: no marker, no container.
	for _, c := range data.Engine.Containers {
		if strings.Contains(c.Name, "-data-") {
			t.Errorf("container %s left", c.Name)
		}
	}
	for name := range data.Engine.Volumes {
		if strings.Contains(name, "data-copy") {
			t.Errorf("marker %s left", name)
		}
	}
	// A second copy leaves feature's own data alone.
	if err := p.CopyBranch(ctx, "master", "feature", names); err != nil {
		t.Fatal(err)
	}
	if got := data.Read(mysqlVol)["ibdata1"]; got != "migrated" {
		t.Errorf("a second copy wrote over feature's data: %q", got)
	}
}

// A copy from a running or paused container is refused, and makes nothing.
func TestCopyBranchRefusesRunning(t *testing.T) {
	p, data, _, _ := dataProject(t)
	ctx := context.Background()
	before := len(data.Engine.Volumes)
	err := p.CopyBranch(ctx, "master", "feature", []string{"mysql"})
	var inUse *docker.InUseError
	if !errors.As(err, &inUse) || inUse.Container != "crisp-mysql" || !strings.Contains(err.Error(), "crispify stop mysql") {
		t.Fatalf("copy from a running mysql: %v", err)
	}
	if len(data.Engine.Volumes) != before {
		t.Errorf("a refused copy made volumes")
	}
	data.Engine.Containers[mustID(t, data, "crisp-mysql")].State = "paused"
	if err := p.CopyBranch(ctx, "master", "feature", []string{"mysql"}); !errors.As(err, &inUse) || inUse.State != "paused" {
		t.Errorf("copy from a paused mysql: %v", err)
	}
}

func mustID(t *testing.T, data *dockerfake.Data, name string) string {
	t.Helper()
	c, err := data.Engine.ContainerInspect(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

// A copy that breaks half way leaves nothing of branch feature; one cut off
// by kill -9 (its marker left) is found and removed by the next call, and
// nothing without the project's and owner's labels is touched.
func TestHalfCopyRemoved(t *testing.T) {
	p, data, _, _ := dataProject(t)
	ctx := context.Background()
	quiesce(t, p, "mysql")
	data.FailAfter = 700
	if err := p.CopyBranch(ctx, "master", "feature", []string{"mysql"}); err == nil {
		t.Fatal("a copy whose stream broke succeeded")
	}
	data.FailAfter = 0
	vol := docker.BranchVolumeName("crisp_mysql_data", "feature", "master")
	if _, err := data.Engine.VolumeInspect(ctx, vol); !errors.Is(err, docker.ErrNotFound) {
		t.Errorf("the half copy %s stays: %v", vol, err)
	}

	// What kill -9 leaves: a marker, a volume half written, a container.
	owner := docker.LocalOwner()
	data.Engine.VolumeCreate(ctx, "crisp.data-copy-dead", map[string]string{docker.LabelProject: "crisp", docker.LabelOwner: owner, docker.LabelCopyMarker: "dead", docker.LabelInfra: "mysql"})
	data.Engine.VolumeCreate(ctx, vol, map[string]string{docker.LabelProject: "crisp", docker.LabelOwner: owner, docker.LabelDataCopy: "dead", docker.LabelDataBranch: "feature"})
	data.Write(vol, map[string]string{"ibdata1": "master's"})
	data.Engine.ContainerCreate(ctx, docker.ContainerSpec{Name: "crisp-mysql-data-dead-to", Image: "mysql:8", Labels: map[string]string{docker.LabelProject: "crisp", docker.LabelOwner: owner, docker.LabelDataCopy: "dead"}})
	// Not ours: another owner's marker, a volume of another project.
	data.Engine.VolumeCreate(ctx, "crisp.data-copy-theirs", map[string]string{docker.LabelProject: "crisp", docker.LabelOwner: "them@there", docker.LabelCopyMarker: "theirs"})
	data.Engine.VolumeCreate(ctx, "other_x", map[string]string{docker.LabelProject: "other", docker.LabelOwner: owner, docker.LabelDataCopy: "dead"})

	// Up never starts a database on it.
	p.DataBranch = "feature"
	if err := p.Up(ctx, "mysql"); err == nil || !strings.Contains(err.Error(), "crispify switch feature") {
		t.Errorf("up on a half copy: %v", err)
	}
	p.DataBranch = ""
	if ok, err := p.BranchData(ctx, "feature", []string{"mysql"}); ok || err != nil {
		t.Fatalf("a half copy passes for feature's data: %v %v", ok, err)
	}
	for _, gone := range []string{vol, "crisp.data-copy-dead"} {
		if _, err := data.Engine.VolumeInspect(ctx, gone); !errors.Is(err, docker.ErrNotFound) {
			t.Errorf("%s stays", gone)
		}
	}
	if _, err := data.Engine.ContainerInspect(ctx, "crisp-mysql-data-dead-to"); !errors.Is(err, docker.ErrNotFound) {
		t.Error("the copy's container stays")
	}
	for _, kept := range []string{"crisp.data-copy-theirs", "other_x"} {
		if _, err := data.Engine.VolumeInspect(ctx, kept); err != nil {
			t.Errorf("%s was touched: %v", kept, err)
		}
	}
	// The copy runs whole after that.
	if err := p.CopyBranch(ctx, "master", "feature", []string{"mysql"}); err != nil {
		t.Fatal(err)
	}
}

// A copy the engine's disk cannot hold is refused before anything is made.
func TestCopyBranchChecksSpace(t *testing.T) {
	p, data, _, _ := dataProject(t)
	ctx := context.Background()
	quiesce(t, p, "mysql")
	data.Free = 1 << 20
	before := len(data.Engine.Volumes)
	var space *docker.SpaceError
	if err := p.CopyBranch(ctx, "master", "feature", []string{"mysql"}); !errors.As(err, &space) || !strings.Contains(err.Error(), "--data fresh") {
		t.Fatalf("copy onto a full disk: %v", err)
	}
	if len(data.Engine.Volumes) != before {
		t.Error("a refused copy made volumes")
	}
	data.Free = 1 << 30
	if err := p.CopyBranch(ctx, "master", "feature", []string{"mysql"}); err != nil {
		t.Fatal(err)
	}
}

func TestSnapshots(t *testing.T) {
	p, data, _, _ := dataProject(t)
	ctx := context.Background()
	quiesce(t, p, "redis", "mysql", "queue")
	snap, err := p.SaveSnapshot(ctx, "before-migration")
	if err != nil {
		t.Fatal(err)
	}
	if snap.Branch != "master" || len(snap.Volumes) != 3 || snap.Images["mysql"] != "mysql:8" {
		t.Errorf("snapshot %+v", snap)
	}
	if _, err := p.SaveSnapshot(ctx, "before-migration"); err == nil || !strings.Contains(err.Error(), "crispify data rm before-migration") {
		t.Errorf("a second snapshot of one name: %v", err)
	}
	if _, err := p.SaveSnapshot(ctx, "../x"); err == nil {
		t.Error("a snapshot named ../x was saved")
	}
	list, err := p.Snapshots(ctx)
	if err != nil || len(list) != 1 || list[0].Name != "before-migration" || list[0].Size <= 0 || list[0].Created.IsZero() || list[0].Images["redis"] != "redis:7" {
		t.Fatalf("snapshots %+v %v", list, err)
	}

	data.Write("crisp_mysql_data", map[string]string{"ibdata1": "migrated"})
	if err := p.RestoreSnapshot(ctx, "before-migration"); err != nil {
		t.Fatal(err)
	}
	if got := data.Read("crisp_mysql_data")["ibdata1"]; got != "master's rows" {
		t.Errorf("restored mysql holds %q", got)
	}
	up(t, p, "mysql")

	// A restore while the infra runs is refused.
	if err := p.RestoreSnapshot(ctx, "before-migration"); !errors.As(err, new(*docker.InUseError)) {
		t.Errorf("restore under a running mysql: %v", err)
	}
	// Another major version is refused, naming both.
	p.Manifest.Infra["mysql"].Image = "mysql:9"
	data.Engine.AddImage("mysql:9", dockerfake.Image{ID: "sha256:mysql9"})
	quiesce(t, p, "mysql")
	if err := p.RestoreSnapshot(ctx, "before-migration"); err == nil || !strings.Contains(err.Error(), "mysql:8") || !strings.Contains(err.Error(), "mysql:9") {
		t.Errorf("restore of mysql 8's data onto 9: %v", err)
	}
	// An image that is gone says how to get it.
	p.Manifest.Infra["mysql"].Image = "mysql:8.4"
	if err := p.RestoreSnapshot(ctx, "before-migration"); err == nil || !strings.Contains(err.Error(), "crispify infra --pull mysql") {
		t.Errorf("restore with the image gone: %v", err)
	}
	p.Manifest.Infra["mysql"].Image = "mysql:8"

	removed, err := p.RemoveSnapshot(ctx, "before-migration")
	if err != nil || len(removed) != 3 {
		t.Errorf("rm: %v %v", removed, err)
	}
	if _, err := p.RemoveSnapshot(ctx, "before-migration"); err == nil || !strings.Contains(err.Error(), "crispify data ls") {
		t.Errorf("rm of a snapshot gone: %v", err)
	}
}

func TestDataBranches(t *testing.T) {
	p, _, _, _ := dataProject(t)
	ctx := context.Background()
	quiesce(t, p, "redis", "mysql")
	if err := p.CopyBranch(ctx, "master", "feature", []string{"redis", "mysql"}); err != nil {
		t.Fatal(err)
	}
	p.DataBranch = "feature"
	branches, err := p.DataBranches(ctx)
	if err != nil || len(branches) != 2 {
		t.Fatalf("branches %+v %v", branches, err)
	}
	if b := branches[0]; b.Name != "feature" || !b.Current || b.Default || len(b.Volumes) != 2 || b.Size <= 0 {
		t.Errorf("feature: %+v", b)
	}
	if b := branches[1]; b.Name != "master" || b.Current || !b.Default {
		t.Errorf("master: %+v", b)
	}
	for _, tc := range []struct {
		labels           map[string]string
		branch, snapshot string
	}{
		{map[string]string{docker.LabelDataBranch: "feature"}, "feature", ""},
		{map[string]string{}, "master", ""}, // made before branches
		{map[string]string{docker.LabelSnapshot: "s1", docker.LabelSnapshotBranch: "feature"}, "", "s1"},
		{map[string]string{docker.LabelCopyMarker: "1a2b"}, "", ""},
	} {
		if b, s := p.VolumeBranch(docker.Volume{Labels: tc.labels}); b != tc.branch || s != tc.snapshot {
			t.Errorf("VolumeBranch(%v) = %q, %q; want %q, %q", tc.labels, b, s, tc.branch, tc.snapshot)
		}
	}
	if _, err := p.RemoveDataBranch(ctx, "feature"); err == nil || !strings.Contains(err.Error(), "switch to another branch first") {
		t.Errorf("rm of the current branch: %v", err)
	}
	if _, err := p.RemoveDataBranch(ctx, "master"); err == nil {
		t.Error("the manifest branch's data was removed")
	}
	p.DataBranch = ""
	removed, err := p.RemoveDataBranch(ctx, "feature")
	if err != nil || len(removed) != 2 {
		t.Errorf("rm feature: %v %v", removed, err)
	}
}

// A container an older crispify made keeps its data in an anonymous
// volume, which a recreate carries over: that data is adopted into the
// branch's named volume, forks, and never follows the container onto
// another branch.
func TestLegacyAnonymousDataForks(t *testing.T) {
	fake := dockerfake.New()
	fake.AddImage("redis:7", dockerfake.Image{ID: "sha256:redis", Volumes: []string{"/data"}})
	data := dockerfake.NewData(fake)
	addr, _ := redisServer(t)
	p := docker.NewProject(docker.ProjectOptions{Engine: data, Manifest: load(t, `version: 1
project: crisp
infra:
  redis:
    image: redis:7
    ports: ["16379:6379"]
`), Sink: &recorder{}, HealthTimeout: 5 * time.Second,
		Reach: func(b docker.PortBinding) (string, bool) { return addr, true }})
	ctx := context.Background()
	// What the older crispify made: no mount at /data, so the engine made
	// an anonymous volume there.
	if _, err := fake.ContainerCreate(ctx, docker.ContainerSpec{Name: "crisp-redis", Image: "redis:7",
		Labels: map[string]string{docker.LabelProject: "crisp", docker.LabelInfra: "redis", docker.LabelOwner: docker.LocalOwner(), docker.LabelConfigHash: "old"}}); err != nil {
		t.Fatal(err)
	}
	up(t, p, "redis") // recreated: the anonymous volume carried over
	anon := ""
	for _, m := range mustContainer(t, fake, "crisp-redis").Mounts {
		if m.Destination == "/data" {
			anon = m.Name
		}
	}
	if len(anon) != 64 {
		t.Fatalf("the recreate did not keep the anonymous volume: %q", anon)
	}
	data.Write(anon, map[string]string{"dump.rdb": "old keys"})

	quiesce(t, p, "redis")
	if err := p.CopyBranch(ctx, "master", "feature", []string{"redis"}); err != nil {
		t.Fatal(err)
	}
	p.DataBranch = "feature"
	up(t, p, "redis")
	featureVol := docker.BranchVolumeName("crisp_redis__data", "feature", "master")
	for _, m := range mustContainer(t, fake, "crisp-redis").Mounts {
		if m.Destination == "/data" && m.Name != featureVol {
			t.Fatalf("on feature, /data is %s, want %s", m.Name, featureVol)
		}
	}
	if got := data.Read(featureVol)["dump.rdb"]; got != "old keys" {
		t.Errorf("feature's copy holds %q", got)
	}
	data.Write(featureVol, map[string]string{"dump.rdb": "feature's keys"})
	quiesce(t, p, "redis")
	p.DataBranch = ""
	up(t, p, "redis")
	if got := data.Read("crisp_redis__data")["dump.rdb"]; got != "old keys" {
		t.Errorf("master's data holds %q", got)
	}
	if got := data.Read(anon)["dump.rdb"]; got != "old keys" {
		t.Errorf("the anonymous volume holds %q", got)
	}
}

func mustContainer(t *testing.T, fake *dockerfake.Engine, name string) docker.Container {
	t.Helper()
	c, err := fake.ContainerInspect(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Ctrl-C in the middle of a copy: the copy ends, and nothing of the new
// branch is left, nor a marker.
func TestCopyBranchCancelled(t *testing.T) {
	p, data, _, _ := dataProject(t)
	quiesce(t, p, "mysql")
	data.Block = make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.CopyBranch(ctx, "master", "feature", []string{"mysql"}) }()
	vol := docker.BranchVolumeName("crisp_mysql_data", "feature", "master")
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := data.Engine.VolumeInspect(context.Background(), vol); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the copy never began")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	close(data.Block)
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("a cancelled copy returned %v", err)
	}
	vols, _ := data.Engine.VolumeList(context.Background(), nil)
	for _, v := range vols {
		if v.Name == vol || strings.Contains(v.Name, "data-copy") {
			t.Errorf("%s left after Ctrl-C", v.Name)
		}
	}
	list, _ := data.Engine.ContainerList(context.Background(), nil)
	for _, c := range list {
		if strings.Contains(c.Name, "-data-") {
			t.Errorf("container %s left after Ctrl-C", c.Name)
		}
	}
}
