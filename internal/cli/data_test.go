package cli

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crispify/crispify/internal/docker"
	"github.com/crispify/crispify/internal/docker/dockerfake"
)

func TestDataFlagsBecomeOptions(t *testing.T) {
	if o, _ := parse(t, NewCmdDataSave, "before-migration"); o.Name != "before-migration" {
		t.Errorf("save: %+v", *o)
	}
	if o, _ := parse(t, NewCmdDataRestore, "before-migration"); o.Name != "before-migration" {
		t.Errorf("restore: %+v", *o)
	}
	if o, _ := parse(t, NewCmdDataRemove, "old"); o.Name != "old" {
		t.Errorf("rm: %+v", *o)
	}
	if o, _ := parse(t, NewCmdDataList, "--json"); !o.JSON {
		t.Errorf("ls --json: %+v", *o)
	}
	if o, _ := parse(t, NewCmdDataPrune, "--yes"); !o.Yes {
		t.Errorf("prune --yes: %+v", *o)
	}
	if o, _ := parse(t, NewCmdDataPrune); o.Yes {
		t.Errorf("prune asks by default: %+v", *o)
	}
}

// Every verb is under `crispify data`.
func TestDataVerbs(t *testing.T) {
	cmd := NewCmdData(&Deps{IO: &IOStreams{}}, &GlobalOptions{})
	for _, verb := range []string{"save", "restore", "ls", "rm", "prune"} {
		if c, _, err := cmd.Find([]string{verb}); err != nil || c.Name() != verb {
			t.Errorf("data %s: %v", verb, err)
		}
	}
}

// runData runs a command line on h's manifest with an engine that keeps
// files in volumes, as copies need.
func runData(h *harness, data *dockerfake.Data, args ...string) (stdout, stderr string, code int) {
	var out, errOut bytes.Buffer
	io := &IOStreams{In: strings.NewReader(h.in), Out: &out, ErrOut: &errOut, InTTY: h.tty, Getenv: func(k string) string { return h.env[k] }}
	deps := &Deps{IO: io, Docker: func(context.Context) (docker.Engine, docker.Endpoint, error) {
		return data, docker.Endpoint{Host: "fake://", From: "test"}, nil
	}}
	code = Run(context.Background(), deps, append([]string{"-f", filepath.Join(h.dir, "crispify.yaml")}, args...))
	return out.String(), errOut.String(), code
}

// The docker layer's refusals reach the user whole, with exit 1: a name
// in use, a snapshot that is not there; a prune that cannot know the
// branches fails, and one not on a terminal asks for --yes.
func TestDataRefusalsExitOne(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	h := newHarness(t, infraManifest)
	data := dockerfake.NewData(h.fake)
	if _, errOut, code := runData(h, data, "infra"); code != 0 {
		t.Fatalf("infra: exit %d\n%s", code, errOut)
	}
	out, errOut, code := runData(h, data, "data", "save", "s1")
	if code != 0 || !strings.Contains(out, "snapshot s1 saved (data of branch master") {
		t.Fatalf("save: exit %d\n%s\n%s", code, out, errOut)
	}
	if _, errOut, code := runData(h, data, "data", "save", "s1"); code != ExitFailed || !strings.Contains(errOut, "crispify data rm s1") {
		t.Errorf("save of a name in use: exit %d\n%s", code, errOut)
	}
	if _, errOut, code := runData(h, data, "data", "restore", "nosuch"); code != ExitFailed || !strings.Contains(errOut, "crispify data ls") {
		t.Errorf("restore of no snapshot: exit %d\n%s", code, errOut)
	}
	out, _, code = runData(h, data, "data", "ls", "--json")
	if code != 0 || !strings.Contains(out, `"name": "s1"`) || !strings.Contains(out, `"images": {`) {
		t.Errorf("ls --json: exit %d\n%s", code, out)
	}
	if _, errOut, code := runData(h, data, "data", "prune"); code != ExitFailed || !strings.Contains(errOut, "crispify repos") {
		t.Errorf("prune with api not cloned: exit %d\n%s", code, errOut)
	}
	if out, errOut, code := runData(h, data, "data", "rm", "s1"); code != 0 || !strings.Contains(out, "snapshot s1 removed") {
		t.Errorf("rm: exit %d\n%s%s", code, out, errOut)
	}
}
