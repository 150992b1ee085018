package stack

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crispify/crispify/internal/docker"
	"github.com/crispify/crispify/internal/docker/dockerfake"
	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/manifest"
)

// dataStack is a stack of a mysql whose data forks and a queue whose data
// is shared, on a fake engine with volume files, both up on master with
// some data; its one repo, api, has master and, on origin, feature.
func dataStack(t *testing.T) (*Stack, *dockerfake.Data) {
	t.Helper()
	t.Setenv("XDG_CACHE_HOME", t.TempDir()) // where the project's lock lives
	t.Setenv("HOME", t.TempDir())
	root := t.TempDir()
	origin, work := filepath.Join(root, "api.git"), filepath.Join(root, "api-work")
	gitT(t, root, "init", "-q", "--bare", "-b", "master", origin)
	gitT(t, root, "clone", "-q", origin, work)
	os.WriteFile(filepath.Join(work, "main.go"), []byte("package main\n"), 0o644)
	gitT(t, work, "add", ".")
	gitT(t, work, "commit", "-q", "-m", "master")
	gitT(t, work, "push", "-q", "origin", "master")
	gitT(t, work, "push", "-q", "origin", "master:feature")
	gitT(t, root, "clone", "-q", "-b", "master", origin, filepath.Join(root, "ws", "api"))
	text := `version: 1
project: datatest
workspace: ws
defaults: {branch: master}
infra:
  mysql:
    image: mysql:8
    volumes: ["data:/var/lib/mysql"]
  queue:
    image: busybox:1
    volumes: ["q:/q"]
    data: shared
services:
  api:
    repo: file://` + origin + `
    run: ./api
    needs: [mysql]
`
	file := filepath.Join(root, "crispify.yaml")
	os.WriteFile(file, []byte(text), 0o644)
	m, err := manifest.Load(file, manifest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	fake := dockerfake.New()
	fake.AddImage("mysql:8", dockerfake.Image{ID: "sha256:mysql"})
	fake.AddImage("busybox:1", dockerfake.Image{ID: "sha256:busybox"})
	data := dockerfake.NewData(fake)
	st := &Stack{Manifest: m, Connect: func(context.Context) (docker.Engine, docker.Endpoint, error) {
		return data, docker.Endpoint{}, nil
	}}
	if _, err := st.Infra(context.Background(), m.InfraNames(), false, &events{}); err != nil {
		t.Fatal(err)
	}
	data.Write("datatest_mysql_data", map[string]string{"ibdata1": "master's rows"})
	data.Write("datatest_queue_q", map[string]string{"q.log": "messages"})
	return st, data
}

// running reports whether infra's container runs.
func running(t *testing.T, data *dockerfake.Data, project, infra string) bool {
	t.Helper()
	c, err := data.ContainerInspect(context.Background(), docker.ContainerName(project, infra))
	return err == nil && c.State == "running"
}

// With no supervisor, a save stops the infra whose data forks, copies,
// and starts them again; a restore puts the rows back, and the infra run
// again after it too. A name in use, and a snapshot gone, say what to do.
func TestDataSaveAndRestoreStopAndStartTheInfra(t *testing.T) {
	st, data := dataStack(t)
	ctx := context.Background()
	snap, err := st.DataSave(ctx, "before-migration", nil, &events{})
	if err != nil {
		t.Fatal(err)
	}
	if snap.Branch != "master" || len(snap.Volumes) != 2 {
		t.Errorf("snapshot %+v", snap)
	}
	if !running(t, data, "datatest", "mysql") || !running(t, data, "datatest", "queue") {
		t.Error("the infra were not started again after the save")
	}
	var refused events
	if _, err := st.DataSave(ctx, "before-migration", nil, &refused); err == nil || !strings.Contains(err.Error(), "crispify data rm before-migration") {
		t.Errorf("a second save of one name: %v", err)
	}
	for _, e := range refused.all {
		if e.Kind == event.Infra {
			t.Errorf("a save refused for its name touched the infra: %+v", e)
		}
	}
	list, err := st.DataList(ctx)
	if err != nil || len(list) != 1 || list[0].Name != "before-migration" {
		t.Fatalf("ls: %+v %v", list, err)
	}

	data.Write("datatest_mysql_data", map[string]string{"ibdata1": "migrated"})
	if err := st.DataRestore(ctx, "before-migration", nil, &events{}); err != nil {
		t.Fatal(err)
	}
	if got := data.Read("datatest_mysql_data")["ibdata1"]; got != "master's rows" {
		t.Errorf("restored mysql holds %q", got)
	}
	if !running(t, data, "datatest", "mysql") {
		t.Error("mysql was not started again after the restore")
	}

	if removed, err := st.DataRemove(ctx, "before-migration"); err != nil || len(removed) != 2 {
		t.Errorf("rm: %v %v", removed, err)
	}
	if err := st.DataRestore(ctx, "before-migration", nil, &events{}); err == nil || !strings.Contains(err.Error(), "crispify data ls") {
		t.Errorf("restore of a snapshot gone: %v", err)
	}
}

// The data branches whose branch no clone has are pruned; the branch a
// clone has on origin only, the manifest's and the current one stay.
func TestDataPruneRemovesOnlyBranchesGone(t *testing.T) {
	st, _ := dataStack(t)
	ctx := context.Background()
	p, err := st.dataProject(ctx, &events{})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Quiesce(ctx, "mysql"); err != nil {
		t.Fatal(err)
	}
	for _, b := range []string{"feature", "gone", "current"} {
		if err := p.CopyBranch(ctx, "master", b, []string{"mysql"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := writeBranches(st.Manifest.StateDir(), branches{Branch: "current", Data: "current"}); err != nil {
		t.Fatal(err)
	}
	gone, err := st.DataGone(ctx)
	if err != nil || len(gone) != 1 || gone[0].Name != "gone" {
		t.Fatalf("gone: %+v %v", gone, err)
	}
	removed, err := st.DataPrune(ctx, []string{"gone"}, &events{})
	if err != nil || len(removed) != 1 || !strings.HasPrefix(removed[0], "datatest_mysql_data.gone-") {
		t.Errorf("prune: %v %v", removed, err)
	}
	left, err := p.DataBranches(ctx)
	if err != nil || len(left) != 3 {
		t.Errorf("left after prune: %+v %v", left, err)
	}

	// A clone not on disk: its branches are not known, nothing is pruned.
	os.RemoveAll(st.Manifest.Services["api"].Dir)
	if _, err := st.DataGone(ctx); err == nil || !strings.Contains(err.Error(), "crispify repos") {
		t.Errorf("prune with api not cloned: %v", err)
	}
}

// The workers a save stops are those that need the infra, through what
// they need too.
func TestUsersOfInfra(t *testing.T) {
	st, _ := dataStack(t)
	if got := usersOf(st, []string{"mysql"}); len(got) != 1 || got[0] != "api" {
		t.Errorf("users of mysql: %v", got)
	}
	if got := usersOf(st, []string{"queue"}); len(got) != 0 {
		t.Errorf("users of queue: %v", got)
	}
}
