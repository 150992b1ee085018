package cli

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/crispify/crispify/internal/docker"
	"github.com/crispify/crispify/internal/docker/dockerfake"
	"github.com/crispify/crispify/internal/workers"
)

const truthManifest = `version: 1
project: truth
workspace: ./ws
infra:
  rabbitmq:
    image: rabbitmq:3
    ports: ["{{A}}:15672", "{{B}}:5672"]
    ready: false
  redis:
    image: redis:7
services:
  api:
    repo: file:///nowhere/api.git
    run: ./api
  mailer:
    repo: file:///nowhere/mailer.git
    run: ./mailer
`

// newTruthHarness is truthManifest with two host ports nothing holds, A
// then B, B being the lower: the order of the manifest is not the ports'.
func newTruthHarness(t *testing.T) (h *harness, a, b int) {
	t.Helper()
	for a <= b {
		a, b = freePort(t), freePort(t)
	}
	text := strings.NewReplacer("{{A}}", strconv.Itoa(a), "{{B}}", strconv.Itoa(b)).Replace(truthManifest)
	return newHarness(t, text), a, b
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// runWith runs one command line as a terminal would (tty) or a pipe, in ctx.
func (h *harness) runWith(ctx context.Context, tty bool, args ...string) (stdout, stderr string, code int) {
	h.t.Helper()
	var out, errOut bytes.Buffer
	io := &IOStreams{
		In: strings.NewReader(""), Out: &out, ErrOut: &errOut, OutTTY: tty,
		Getenv: func(k string) string { return h.env[k] },
	}
	deps := &Deps{IO: io, Docker: func(context.Context) (docker.Engine, docker.Endpoint, error) {
		return h.fake, docker.Endpoint{Host: "fake://", From: "test"}, nil
	}}
	code = Run(ctx, deps, args)
	return out.String(), errOut.String(), code
}

// RabbitMQ's ports, which the engine reports in an order of its own, keep
// the manifest's in the JSON of a boot and in status.
func TestPortsKeepTheManifestsOrderInJSONAndStatus(t *testing.T) {
	h, a, b := newTruthHarness(t)
	out, errOut, code := h.run("infra", "--output", "json")
	if code != 0 {
		t.Fatalf("infra: exit %d\n%s", code, errOut)
	}
	pa, pb := fmt.Sprintf("127.0.0.1:%d->15672/tcp", a), fmt.Sprintf("127.0.0.1:%d->5672/tcp", b)
	escaped := strings.NewReplacer(">", `\u003e`)
	if want := `"ports":["` + pa + `","` + pb + `"]`; !strings.Contains(out, want) {
		t.Errorf("infra --output json lacks %s:\n%s", want, out)
	}
	out, _, _ = h.run("status", "--json")
	if !strings.Contains(out, escaped.Replace(pa+", "+pb)) {
		t.Errorf("status --json does not keep the manifest's order:\n%s", out)
	}
	out, _, _ = h.run("status")
	if !strings.Contains(out, pa+", "+pb) {
		t.Errorf("status does not keep the manifest's order:\n%s", out)
	}
}

// logsHarness is a stack whose two workers and redis wrote lines at known
// times; redis's last line is in colour.
func logsHarness(t *testing.T) *harness {
	h, _, _ := newTruthHarness(t)
	t0 := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	h.fake.AddImage("redis:7", dockerfake.Image{
		Logs:     []string{"redis ready", "\x1b[32mredis in colour\x1b[0m"},
		LogTimes: []time.Time{at(2.5), at(6)},
	})
	if _, errOut, code := h.run("infra"); code != 0 {
		t.Fatalf("infra: exit %d\n%s", code, errOut)
	}
	writeLog := func(name string, lines map[float64]string) {
		var b strings.Builder
		for _, s := range []float64{1, 2, 3, 4, 5} {
			if text, ok := lines[s]; ok {
				b.WriteString(workers.LogStamp(at(s)) + " " + text + "\n")
			}
		}
		path := workers.LogPath(filepath.Join(h.dir, "ws", ".crispify"), name)
		os.MkdirAll(filepath.Dir(path), 0o700)
		if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	writeLog("api", map[float64]string{1: "api one", 3: "api two", 5: "api three"})
	writeLog("mailer", map[float64]string{2: "mailer one", 4: "mailer two", 5: "mailer three"})
	return h
}

// Without -f, logs interleaves its sources by time, not one after the
// other; lines of one moment come in the order their sources were named.
func TestLogsInterleaveByTimeInTheOrderNamed(t *testing.T) {
	h := logsHarness(t)
	out, errOut, code := h.run("logs", "--tail", "2", "api", "mailer")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	want := "api    | api two\nmailer | mailer two\napi    | api three\nmailer | mailer three\n"
	if out != want {
		t.Errorf("logs --tail 2 api mailer:\n%s\nwant:\n%s", out, want)
	}
	out, _, _ = h.run("logs", "mailer", "redis", "api")
	want = strings.Join([]string{
		"api    | api one", "mailer | mailer one", "redis  | redis ready", "api    | api two",
		"mailer | mailer two", "mailer | mailer three", "api    | api three", "redis  | redis in colour",
	}, "\n") + "\n"
	if out != want {
		t.Errorf("logs mailer redis api:\n%s\nwant:\n%s", out, want)
	}
}

// Colour codes of workers and containers reach a terminal, and are stripped
// when logs goes to a pipe or NO_COLOR is set.
func TestLogsStripEscapesUnlessOnATerminal(t *testing.T) {
	h := logsHarness(t)
	file := []string{"-f", filepath.Join(h.dir, "crispify.yaml")}
	piped, _, _ := h.runWith(context.Background(), false, append(file, "logs", "redis")...)
	if strings.Contains(piped, "\x1b") || !strings.Contains(piped, "redis | redis in colour\n") {
		t.Errorf("piped: %q", piped)
	}
	onTTY, _, _ := h.runWith(context.Background(), true, append(file, "logs", "redis")...)
	if !strings.Contains(onTTY, "\x1b[32mredis in colour\x1b[0m") {
		t.Errorf("on a terminal the container's colours are gone: %q", onTTY)
	}
	h.env["NO_COLOR"] = "1"
	noColour, _, _ := h.runWith(context.Background(), true, append(file, "logs", "redis")...)
	if strings.Contains(noColour, "\x1b") {
		t.Errorf("NO_COLOR on a terminal: %q", noColour)
	}
}

// -f before the command is the manifest, -f after logs is --follow; a
// manifest given after logs is pointed at, not read as a name.
func TestLogsFileBeforeAndFollowAfter(t *testing.T) {
	h := logsHarness(t)
	path := filepath.Join(h.dir, "crispify.yaml")
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start := time.Now()
	out, errOut, code := h.runWith(ctx, false, "-f", path, "logs", "-f", "--tail", "1", "redis", "api")
	if code != 0 {
		t.Fatalf("-f FILE logs -f: exit %d\n%s", code, errOut)
	}
	if time.Since(start) < 900*time.Millisecond {
		t.Errorf("-f after logs did not follow: it returned after %s", time.Since(start))
	}
	if want := "api   | api three\nredis | redis in colour\n"; out != want {
		t.Errorf("-f FILE logs -f --tail 1: %q, want %q (once each)", out, want)
	}

	_, errOut, code = h.runWith(context.Background(), false, "logs", "-f", path)
	if code != ExitUsage || !strings.Contains(errOut, "did you mean --file "+path+"?") {
		t.Errorf("logs -f FILE: exit %d, %q; want 2 and did you mean --file", code, errOut)
	}
}

// Hints name a command that works from where the user is.
func TestHintsNameACommandThatWorksFromHere(t *testing.T) {
	bin := t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, "decrispify"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name     string
		program  string
		env      map[string]string
		manifest string
		want     string
	}{
		{"default manifest, on PATH", "crispify", map[string]string{"PATH": bin}, "", "decrispify"},
		{"-f, on PATH", "crispify", map[string]string{"PATH": bin}, "manifests/demo.yaml", "decrispify -f manifests/demo.yaml"},
		{"-f, not on PATH", "crispify", nil, "my stack.yaml", "crispify down -f 'my stack.yaml'"},
		{"called by a path", "./bin/crispify", nil, "x.yaml", "bin/crispify down -f x.yaml"},
		{"the demo", "crispify", map[string]string{"CRISPIFY_COMMAND": "scripts/demo.sh", "PATH": bin}, "/abs/manifests/demo.yaml", "scripts/demo.sh down"},
	} {
		env := c.env
		d := &Deps{IO: &IOStreams{Getenv: func(k string) string { return env[k] }}, Program: c.program}
		g := &GlobalOptions{ManifestPath: c.manifest}
		if got := g.hintDown(d, ""); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
	d := &Deps{IO: &IOStreams{Getenv: func(k string) string { return map[string]string{"CRISPIFY_COMMAND": "scripts/demo.sh"}[k] }}}
	if got := (&GlobalOptions{ManifestPath: "x.yaml"}).hintCommand(d, "logs -f"); got != "scripts/demo.sh logs -f" {
		t.Errorf("demo's logs hint: %q", got)
	}
	d = &Deps{IO: &IOStreams{Getenv: func(string) string { return "" }}}
	if got := (&GlobalOptions{ManifestPath: "x.yaml"}).hintCommand(d, "logs -f"); got != "crispify -f x.yaml logs -f" {
		t.Errorf("logs hint: %q", got)
	}
	if got := whereThingsStand(false, 6, "scripts/demo.sh down"); !strings.Contains(got, "(`scripts/demo.sh down` stops them)") {
		t.Errorf("quit message: %q", got)
	}
}

// A teardown without --volumes names the volumes it kept, the image's
// among them, and the command that removes them.
func TestDownSaysWhichVolumesItKeptAndHowToRemoveThem(t *testing.T) {
	h, _, _ := newTruthHarness(t)
	h.fake.AddImage("redis:7", dockerfake.Image{Volumes: []string{"/data"}})
	if _, errOut, code := h.run("infra"); code != 0 {
		t.Fatalf("infra: exit %d\n%s", code, errOut)
	}
	out, errOut, code := h.run("down")
	if code != 0 {
		t.Fatalf("down: exit %d\n%s", code, errOut)
	}
	want := "volumes kept (truth_redis__data: `crispify down -f " + filepath.Join(h.dir, "crispify.yaml") + " --volumes` removes them)"
	if !strings.Contains(out, want) {
		t.Errorf("down said %q, want %q", out, want)
	}
}
