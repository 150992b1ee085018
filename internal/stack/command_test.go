package stack

import (
	"context"
	"strings"
	"testing"

	"github.com/crispify/crispify/internal/docker"
	"github.com/crispify/crispify/internal/docker/dockerfake"
	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/manifest"
)

// `crispify infra` and decrispify report between the stack's own started
// and done events, done carrying the counts whatever sink listens (infra
// counted only into a Tally), and return what settled.
func TestInfraAndDownEmitTheStacksEndsAndReturnTheirCounts(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir()) // the project's lock
	t.Setenv("HOME", t.TempDir())
	m, err := manifest.Parse([]byte("version: 1\nproject: ends\ninfra:\n  plain:\n    image: busybox:1\n"), "crispify.yaml", manifest.Options{Workspace: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	fake := dockerfake.New()
	fake.AddImage("busybox:1", dockerfake.Image{ID: "sha256:busybox"})
	st := &Stack{Manifest: m, Connect: func(context.Context) (docker.Engine, docker.Endpoint, error) {
		return fake, docker.Endpoint{Host: "unix:///var/run/docker.sock"}, nil
	}}

	var up events
	res, err := st.Infra(context.Background(), []string{"plain"}, false, &up)
	if err != nil {
		t.Fatal(err)
	}
	first, last := up.all[0], up.all[len(up.all)-1]
	if first.Kind != event.Stack || first.Phase != event.Started || last.Kind != event.Stack || last.Phase != event.Done {
		t.Errorf("infra's events run from %+v to %+v", first, last)
	}
	if last.Counts[event.Healthy] != 1 || res.Counts[event.Healthy] != 1 {
		t.Errorf("counts: done says %v, the result %v", last.Counts, res.Counts)
	}
	if len(res.Settled) != 1 || res.Settled[0].Kind != event.Infra || res.Settled[0].Name != "plain" {
		t.Errorf("settled: %+v", res.Settled)
	}

	var down events
	report, err := st.Down(context.Background(), DownOptions{RemoveVolumes: "decrispify --volumes"}, &down)
	if err != nil {
		t.Fatal(err)
	}
	first, last = down.all[0], down.all[len(down.all)-1]
	if first.Kind != event.Stack || first.Phase != event.Started || last.Kind != event.Stack || last.Phase != event.Done {
		t.Errorf("down's events run from %+v to %+v", first, last)
	}
	if last.Msg != report.Summary || !strings.Contains(report.Summary, "1 containers removed") || len(last.Counts) == 0 {
		t.Errorf("down's done: %+v; its summary %q", last, report.Summary)
	}
}
