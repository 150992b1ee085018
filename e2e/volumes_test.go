package e2e

import (
	"encoding/json"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// volumeLabels lists every volume on the engine, labelled or not, with the
// crispify project it carries ("" for none).
func volumeLabels(t testing.TB) map[string]string {
	t.Helper()
	out, err := exec.Command("docker", "volume", "ls", "--format", `{{json .}}`).Output()
	if err != nil {
		t.Fatalf("docker volume ls: %v", err)
	}
	vols := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if line == "" {
			continue
		}
		var v struct{ Name, Labels string }
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatalf("docker volume ls: %q: %v", line, err)
		}
		vols[v.Name] = ""
		for _, kv := range strings.Split(v.Labels, ",") {
			if k, val, _ := strings.Cut(kv, "="); k == "io.crispify.project" {
				vols[v.Name] = val
			}
		}
	}
	return vols
}

// Redis's image declares a VOLUME (/data) the manifest does not mount: a
// boot, a recreate and a teardown with --volumes leave no volume behind,
// labelled or not, but a snapshot's, which --all-branches removes; every
// volume the container mounts is crispify's.
func TestImageVolumesAreLabelledReusedAndRemovedLeavingNone(t *testing.T) {
	needImages(t, imageRedis)
	e := newEnv(t, "imgvol")
	before := volumeLabels(t)
	// What appeared since before, made by this test: unlabelled, or ours.
	// Another crispify project's volumes (a run beside this one) are theirs.
	appeared := func() []string {
		var out []string
		for name, project := range volumeLabels(t) {
			if _, old := before[name]; !old && (project == "" || project == e.project) {
				out = append(out, name)
			}
		}
		slices.Sort(out)
		return out
	}
	mounted := func() []string {
		return strings.Fields(e.docker("inspect", "--format", `{{range .Mounts}}{{if eq .Type "volume"}}{{.Name}} {{end}}{{end}}`, e.project+"-redis"))
	}
	want := []string{e.project + "_redis__data"}

	e.write(head + redisInfra)
	e.crispify("infra").must(t, 0)
	if got := appeared(); !slices.Equal(got, want) {
		t.Errorf("after a boot, volumes new: %q, want %q", got, want)
	}
	if got := mounted(); !slices.Equal(got, want) {
		t.Errorf("redis mounts volumes %q, want %q", got, want)
	}
	e.docker("exec", e.project+"-redis", "redis-cli", "set", "crispify-key", "kept")
	e.docker("exec", e.project+"-redis", "redis-cli", "save")

	// A changed env recreates the container: the same volume, its data kept.
	id := e.containerID("redis")
	e.write(head + redisInfra + "    env: {SOMETHING: changed}\n")
	e.crispify("infra").must(t, 0)
	if e.containerID("redis") == id {
		t.Fatal("redis was not recreated by a change of its env")
	}
	if got := appeared(); !slices.Equal(got, want) {
		t.Errorf("after a recreate, volumes new: %q, want %q", got, want)
	}
	if got := e.docker("exec", e.project+"-redis", "redis-cli", "get", "crispify-key"); got != "kept" {
		t.Errorf("redis's data after the recreate: %q, want kept", got)
	}

	// Without --volumes the volume is kept, named, with the command that
	// removes it; with it, nothing is left.
	r := e.run("decrispify").must(t, 0)
	if !strings.Contains(r.stdout, "volumes kept ("+want[0]+": `") || !strings.Contains(r.stdout, " --volumes` removes them)") {
		t.Errorf("decrispify does not say which volumes it kept and how to remove them: %q", r.stdout)
	}
	e.crispify("infra").must(t, 0)

	// A snapshot is kept by --volumes, which removes the current branch's
	// data only, and says so; --all-branches removes it too.
	e.crispify("data", "save", "s1").must(t, 0)
	if got := e.docker("inspect", "--format", "{{.State.Status}}", e.project+"-redis"); got != "running" {
		t.Errorf("redis after data save: %s, want running again", got)
	}
	if r := e.crispify("data", "ls", "--json").must(t, 0); !strings.Contains(r.stdout, `"name": "s1"`) {
		t.Errorf("data ls --json: %s", r.stdout)
	}
	e.run("decrispify", "--volumes", "--yes").must(t, 0)
	got := appeared()
	if len(got) != 1 || !strings.HasPrefix(got[0], want[0]+".snap-") {
		t.Errorf("after decrispify --volumes, volumes left %q, want the snapshot's only", got)
	}
	e.run("decrispify", "--all-branches", "--yes").must(t, 0)
	if got := appeared(); len(got) != 0 {
		t.Errorf("volumes left after decrispify --all-branches: %q", got)
		e.docker(append([]string{"volume", "rm"}, got...)...)
	}
}
