package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// fakeToolchain writes node and go programs that print the given versions
// into a folder of the test, and puts it first on the PATH of every
// crispify the test runs (and so of its workers).
func (e *env) fakeToolchain(node, goVersion string) string {
	e.t.Helper()
	dir := filepath.Join(e.dir, "fakebin")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		e.t.Fatal(err)
	}
	for name, out := range map[string]string{
		"node": "v" + node,
		"go":   "go version go" + goVersion + " linux/amd64",
	} {
		script := "#!/bin/sh\necho '" + out + "'\n"
		if err := os.WriteFile(filepath.Join(dir, name), []byte(script), 0o755); err != nil {
			e.t.Fatal(err)
		}
	}
	e.extraEnv = append(e.extraEnv, "PATH="+dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return dir
}

// A service whose node or go is of the wrong version fails before its
// setup runs, saying what it wants and what it found; the others boot.
// No infra: the engine is not needed.
func TestWrongToolchainFailsOnlyItsService(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatal("git is needed to make the test's repos")
	}
	e := newEnv(t, "tools")
	bin := e.fakeToolchain("18.19.0", "1.26.3")
	up := func(name string) string {
		return "    run: \"echo " + name + " up; exec sleep 300\"\n    ready: {log: " + name + " up}\n"
	}
	e.write(head + `services:
  old:
    repo: ` + e.workerRepo("old", map[string]string{".nvmrc": "20.11.1\n"}) + `
    setup: ["touch setup-ran"]
` + up("old") + `  fine:
    repo: ` + e.workerRepo("fine", nil) + `
    setup: ["touch setup-ran"]
    tools: {node: "^18", go: "1.26"}
` + up("fine") + `  nosetup:
    repo: ` + e.workerRepo("nosetup", nil) + `
    tools: {go: ">=1.30"}
` + up("nosetup") + `  plain:
    repo: ` + e.workerRepo("plain", nil) + `
` + up("plain"))

	r := e.crispify("-d")
	if r.code != 1 || !strings.Contains(r.stderr, "wants node") {
		log, _ := os.ReadFile(filepath.Join(e.dir, "ws", ".crispify", "logs", "supervisor-"+e.project+".log"))
		t.Fatalf("exit %d, want 1\nstderr:\n%s\nsupervisor.log:\n%s", r.code, r.stderr, log)
	}
	ws := filepath.Join(e.dir, "ws")
	for _, want := range []string{
		"service old wants node 20.11.1 (from .nvmrc), found node 18.19.0 (" + filepath.Join(bin, "node") + "): run `nvm install` in " + filepath.Join(ws, "old"),
		"service nosetup wants go >=1.30 (from crispify.yaml), found go 1.26.3 (" + filepath.Join(bin, "go") + ")",
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("boot's stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(ws, "old", "setup-ran")); err == nil {
		t.Error("old's setup ran although its node is of the wrong version")
	}
	if _, err := os.Stat(filepath.Join(ws, ".crispify", "setup", "old.hash")); err == nil {
		t.Error("old's setup hash was written although its setup never ran")
	}
	if _, err := os.Stat(filepath.Join(ws, "fine", "setup-ran")); err != nil {
		t.Errorf("fine's setup did not run: %v", err)
	}
	status := e.status()
	for _, name := range []string{"fine", "plain"} {
		if s := status["worker "+name]; s.State != "ready" {
			t.Errorf("worker %s is %+v, want ready: one service's toolchain must not stop the others", name, s)
		}
	}
	for _, name := range []string{"old", "nosetup"} {
		if s := status["worker "+name]; s.State == "ready" {
			t.Errorf("worker %s is ready although its toolchain is wrong", name)
		}
		if strings.Contains(e.workerLog(name), name+" up") {
			t.Errorf("worker %s ran although its toolchain is wrong:\n%s", name, e.workerLog(name))
		}
	}

	d := e.crispify("doctor").must(t, 1)
	for _, want := range []string{
		"FAIL  tools     service old wants node 20.11.1 (from .nvmrc), found node 18.19.0",
		"FAIL  tools     service nosetup wants go >=1.30 (from crispify.yaml), found go 1.26.3",
	} {
		if !strings.Contains(d.stdout, want) {
			t.Errorf("doctor's listing lacks %q:\n%s", want, d.stdout)
		}
	}
	if strings.Contains(d.stdout, "service fine wants") || strings.Contains(d.stdout, "service plain wants") {
		t.Errorf("doctor lists a service whose tools are right:\n%s", d.stdout)
	}
	if !strings.Contains(d.stdout, "2 of 4 services have the node, go, ruby and python they ask for") {
		t.Errorf("doctor does not count the services whose tools are right:\n%s", d.stdout)
	}
}
