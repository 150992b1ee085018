package cli

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crispify/crispify/internal/docker"
)

// doctor names the endpoint and where it came from, times the round trip,
// and on another machine's engine says what it can of its resources.
func TestDoctorNamesTheEngineItsRoundTripAndTheRemotesResources(t *testing.T) {
	h := newHarness(t, infraManifest)
	out, _, _ := h.run("doctor")
	if !strings.Contains(out, "round trip ") || !strings.Contains(out, "to fake:// (from test), 4 CPUs, 8.0 GiB memory") {
		t.Errorf("local engine:\n%s", out)
	}
	if strings.Contains(out, "remote") {
		t.Errorf("a local engine has no remote resources to show:\n%s", out)
	}

	// A tcp:// engine: no tunnels, so the manifest's loopback port fails.
	h = newHarness(t, strings.Replace(infraManifest, `volumes: ["data:/data"]`, `volumes: ["data:/data"]
    ports: ["6379:6379"]`, 1))
	var stdout bytes.Buffer
	io := &IOStreams{In: strings.NewReader(""), Out: &stdout, ErrOut: &bytes.Buffer{}, Getenv: func(string) string { return "" }}
	h.fake.At = "tcp://10.0.0.5:2376"
	deps := &Deps{IO: io, Docker: func(context.Context) (docker.Engine, docker.Endpoint, error) {
		return h.fake, docker.Endpoint{Host: "tcp://10.0.0.5:2376", From: "DOCKER_HOST"}, nil
	}}
	code := Run(context.Background(), deps, []string{"-f", filepath.Join(h.dir, "crispify.yaml"), "doctor"})
	got := stdout.String()
	for _, want := range []string{"to tcp://10.0.0.5:2376 (from DOCKER_HOST)", "cannot be read over tcp://", `FAIL  ports     the engine at tcp://10.0.0.5:2376 is another machine's`, `write "0.0.0.0:6379:6379"`} {
		if !strings.Contains(got, want) {
			t.Errorf("tcp engine: doctor lacks %q:\n%s", want, got)
		}
	}
	if code != ExitFailed {
		t.Errorf("exit %d, want 1: a port nobody can reach is a failed check", code)
	}
}
