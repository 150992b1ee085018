package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crispify/crispify/internal/docker"
	"github.com/crispify/crispify/internal/docker/dockerfake"
)

const infraManifest = `version: 1
project: clitest
workspace: ./ws
infra:
  redis:
    image: redis:7
    volumes: ["data:/data"]
    health: {cmd: ["redis-cli", "ping"]}
  rabbitmq:
    image: rabbitmq:3
    health: {cmd: ["rabbitmq-diagnostics", "ping"]}
  app-db:
    image: mysql:8
    needs: [redis]
    health: {cmd: "mysqladmin ping"}
services:
  api:
    repo: file:///nowhere/api.git
`

// harness runs crispify commands in a temp folder with a fake engine.
type harness struct {
	t    *testing.T
	dir  string
	fake *dockerfake.Engine
	env  map[string]string
	tty  bool
	in   string
}

func newHarness(t *testing.T, manifest string) *harness {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "crispify.yaml"), []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	fake := dockerfake.New()
	fake.AddImage("redis:7", dockerfake.Image{})
	fake.AddImage("rabbitmq:3", dockerfake.Image{})
	fake.AddImage("mysql:8", dockerfake.Image{})
	return &harness{t: t, dir: dir, fake: fake, env: map[string]string{}}
}

func (h *harness) run(args ...string) (stdout, stderr string, code int) {
	h.t.Helper()
	return h.runCtx(context.Background(), args...)
}

// runCtx runs a command line with ctx, whose end is a Ctrl-C.
func (h *harness) runCtx(ctx context.Context, args ...string) (stdout, stderr string, code int) {
	var out, errOut bytes.Buffer
	io := &IOStreams{
		In: strings.NewReader(h.in), Out: &out, ErrOut: &errOut,
		InTTY: h.tty, OutTTY: false, ErrTTY: false,
		Getenv: func(k string) string { return h.env[k] },
	}
	deps := &Deps{IO: io, Docker: func(context.Context) (docker.Engine, docker.Endpoint, error) {
		return h.fake, docker.Endpoint{Host: "fake://", From: "test"}, nil
	}}
	args = append([]string{"-f", filepath.Join(h.dir, "crispify.yaml")}, args...)
	code = Run(ctx, deps, args)
	return out.String(), errOut.String(), code
}

func TestValidate(t *testing.T) {
	h := newHarness(t, infraManifest)
	out, _, code := h.run("validate")
	if code != 0 || !strings.Contains(out, "is valid: project clitest, 3 infra, 1 services") {
		t.Errorf("valid manifest: code %d, out %q", code, out)
	}
	bad := newHarness(t, "version: 1\nproject: Bad Name\ninfra:\n  x: {imag: y}\n")
	_, errOut, code := bad.run("validate")
	if code != ExitUsage {
		t.Errorf("invalid manifest: exit %d, want 2", code)
	}
	for _, want := range []string{"crispify.yaml:2:10: ", "crispify.yaml:4:7: unknown key \"imag\"", "problems in the manifest"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
}

func TestUsageErrorsExitTwo(t *testing.T) {
	h := newHarness(t, infraManifest)
	for _, args := range [][]string{{"bogus"}, {"infra", "--nope"}, {"infra", "nosuch"}, {"logs", "--tail", "x"}, {"status", "extra"}, {"--output", "xml", "infra"}} {
		_, errOut, code := h.run(args...)
		if code != ExitUsage {
			t.Errorf("%q: exit %d, want 2 (stderr %q)", args, code, errOut)
		}
		if !strings.HasPrefix(errOut, "crispify: ") {
			t.Errorf("%q: stderr %q does not start with the error", args, errOut)
		}
	}
	if _, errOut, _ := h.run("infra", "nosuch"); !strings.Contains(errOut, "the manifest has redis, rabbitmq, app-db") {
		t.Errorf("unknown name error does not list the known ones: %q", errOut)
	}
	missing := newHarness(t, infraManifest)
	missing.env["CRISPIFY_MANIFEST"] = "/nonexistent/crispify.yaml"
	var out, errOut bytes.Buffer
	io := &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, Getenv: func(k string) string { return missing.env[k] }}
	if code := Run(context.Background(), &Deps{IO: io}, []string{"validate"}); code != ExitUsage || !strings.Contains(errOut.String(), "no manifest at /nonexistent/crispify.yaml") {
		t.Errorf("missing manifest: exit %d, %q", code, errOut.String())
	}
}

func TestInfraUpPrintsTableAndEvents(t *testing.T) {
	h := newHarness(t, infraManifest)
	out, errOut, code := h.run("infra")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	for _, want := range []string{"INFRA", "redis", "rabbitmq", "app-db"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if strings.Count(out, "healthy") != 3 {
		t.Errorf("want 3 healthy rows:\n%s", out)
	}
	if !strings.Contains(errOut, "infra   redis") || !strings.Contains(errOut, "stack") {
		t.Errorf("events not on stderr:\n%s", errOut)
	}
}

func TestInfraFailureFailsDependentsAndExitsOne(t *testing.T) {
	h := newHarness(t, infraManifest)
	h.fake.AddImage("redis:7", dockerfake.Image{Health: "unhealthy", Logs: []string{"redis: out of memory"}})
	out, errOut, code := h.run("infra")
	if code != ExitFailed {
		t.Fatalf("exit %d, want 1", code)
	}
	if !strings.Contains(out, "app-db") || !strings.Contains(out, "not started: it needs redis, which failed") {
		t.Errorf("table does not say why app-db did not start:\n%s", out)
	}
	if !strings.Contains(out, "rabbitmq  healthy") {
		t.Errorf("rabbitmq should be up regardless:\n%s", out)
	}
	if !strings.Contains(errOut, "redis: out of memory") {
		t.Errorf("the error does not carry redis's logs:\n%s", errOut)
	}
	if c := h.fake.CallsMatching("create clitest-app-db"); len(c) != 0 {
		t.Errorf("app-db was created though redis failed")
	}
}

func TestInfraJSONIsNDJSONEndingWithStack(t *testing.T) {
	h := newHarness(t, infraManifest)
	out, _, code := h.run("--output", "json", "infra", "redis")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var last map[string]any
	for _, l := range lines {
		if err := json.Unmarshal([]byte(l), &last); err != nil {
			t.Fatalf("line %q is not JSON: %v", l, err)
		}
	}
	if last["kind"] != "stack" || last["phase"] != "done" {
		t.Errorf("last event %v", last)
	}
	if strings.Contains(out, "rabbitmq") {
		t.Errorf("infra redis touched rabbitmq:\n%s", out)
	}
}

func TestDownVolumesNeedsConfirmation(t *testing.T) {
	h := newHarness(t, infraManifest)
	if _, _, code := h.run("infra"); code != 0 {
		t.Fatal("infra failed")
	}
	_, errOut, code := h.run("down", "--volumes")
	if code != ExitUsage || !strings.Contains(errOut, "add --yes") {
		t.Errorf("no tty, no --yes: exit %d %q", code, errOut)
	}
	if len(h.fake.Containers) != 3 {
		t.Error("containers removed though the command was refused")
	}
	h.tty, h.in = true, "n\n"
	if _, _, code := h.run("down", "--volumes"); code != ExitFailed || len(h.fake.Volumes) == 0 {
		t.Errorf("answered no: exit %d, volumes %v", code, h.fake.Volumes)
	}
	h.in = "y\n"
	out, _, code := h.run("down", "--volumes")
	if code != 0 || len(h.fake.Volumes) != 0 || len(h.fake.Containers) != 0 {
		t.Errorf("answered yes: exit %d, left %v %v", code, h.fake.Volumes, h.fake.Containers)
	}
	if !strings.Contains(out, "3 containers removed") || !strings.Contains(out, "1 volumes removed") {
		t.Errorf("summary %q", out)
	}
	if _, _, code := h.run("down"); code != 0 {
		t.Errorf("second down: exit %d", code)
	}
}

func TestStatusJSONAndExitCode(t *testing.T) {
	h := newHarness(t, infraManifest)
	out, _, code := h.run("status", "--json")
	if code != ExitFailed {
		t.Errorf("nothing up: exit %d, want 1", code)
	}
	var rows []StatusRow
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("status --json: %v\n%s", err, out)
	}
	if len(rows) != 4 || rows[0].Kind != "repo" || rows[0].State != "missing" || rows[1].Kind != "infra" || rows[1].State != "dead" {
		t.Errorf("rows %+v", rows)
	}
	h.run("infra")
	if _, _, code := h.run("status"); code != 0 {
		t.Errorf("all healthy: exit %d", code)
	}
}

func TestEngineUnreachableSaysWhereAndWhatToDo(t *testing.T) {
	h := newHarness(t, infraManifest)
	var out, errOut bytes.Buffer
	env := map[string]string{"DOCKER_HOST": "unix:///nonexistent/docker.sock"}
	io := &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, Getenv: func(k string) string { return env[k] }}
	code := Run(context.Background(), NewDeps(io), []string{"-f", filepath.Join(h.dir, "crispify.yaml"), "infra"})
	if code != ExitFailed {
		t.Errorf("exit %d, want 1", code)
	}
	for _, want := range []string{"unix:///nonexistent/docker.sock", "DOCKER_HOST", "is Docker running? try `docker info`"} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut.String())
		}
	}
}

func TestGlobalFileFirst(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"-f a.yaml logs -f redis", "--file=a.yaml logs -f redis"},
		{"-fa.yaml logs", "--file=a.yaml logs"},
		{"--output json -f a.yaml infra", "--output json --file=a.yaml infra"},
		{"logs -f", "logs -f"},
		{"infra -f a.yaml", "infra -f a.yaml"},
		{"-v -f x status", "-v --file=x status"},
	} {
		if got := strings.Join(globalFileFirst(strings.Fields(c.in)), " "); got != c.want {
			t.Errorf("%q: got %q, want %q", c.in, got, c.want)
		}
	}
}
