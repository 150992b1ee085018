package layout

import (
	"encoding/json"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/crispify/crispify/"

// notEngine are the packages under internal/ that are not the engine: the
// front ends, and this test. Every other package under internal/ is, and
// the list is derived from `go list`, so that a new or renamed engine
// package is checked without anyone remembering to add it.
var notEngine = []string{"internal/ui", "internal/ui/tui", "internal/cli", "internal/layout", "internal/build"}

// required are packages whose absence means the layout changed under the
// test: it fails rather than check nothing.
var required = []string{"internal/event", "internal/manifest", "internal/repos", "internal/stack", "internal/docker", "internal/workers", "internal/cli", "internal/ui", "internal/ui/tui"}

// enginePackages are the module's packages under internal/ that are not in
// notEngine.
func enginePackages(pkgs map[string]pkg) []string {
	var out []string
	for name := range pkgs {
		if strings.HasPrefix(name, "internal/") && !slices.Contains(notEngine, name) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// forbiddenInEngine are import path prefixes the engine must not depend on.
var forbiddenInEngine = []string{module + "internal/ui", module + "internal/cli", "charm.land/", "github.com/charmbracelet/", "github.com/spf13/cobra"}

// forbiddenInUI: the UI renders events; it never calls Docker or git.
var forbiddenInUI = []string{"github.com/docker/docker", "github.com/go-git/", module + "internal/docker", module + "internal/ssh", module + "internal/probe", module + "internal/repos"}

type pkg struct {
	ImportPath string
	Imports    []string // direct
	Deps       []string // transitive
}

// list returns the packages of the module under internal/ and cmd/.
func list(t *testing.T) map[string]pkg {
	t.Helper()
	out, err := exec.Command("go", "list", "-e", "-json", module+"internal/...", module+"cmd/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	pkgs := map[string]pkg{}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("decode go list output: %v", err)
		}
		pkgs[strings.TrimPrefix(p.ImportPath, module)] = p
	}
	return pkgs
}

func check(t *testing.T, pkgs map[string]pkg, name string, forbidden []string) {
	t.Helper()
	p, ok := pkgs[name]
	if !ok {
		t.Errorf("go list found no %s: the layout changed under this test; update it", name)
		return
	}
	for _, d := range p.Deps {
		for _, f := range forbidden {
			if strings.HasPrefix(d, f) {
				t.Errorf("%s depends on %s: %s must not (docs/design.md, Layout)", name, d, name)
			}
		}
	}
}

func TestEngineNeverImportsTheUI(t *testing.T) {
	pkgs := list(t)
	for _, name := range required {
		if _, ok := pkgs[name]; !ok {
			t.Fatalf("go list found no %s: the layout changed under this test; update it", name)
		}
	}
	engine := enginePackages(pkgs)
	if !slices.Contains(engine, "internal/stack") || slices.Contains(engine, "internal/cli") {
		t.Fatalf("the engine packages are misjudged: %q", engine)
	}
	for _, name := range engine {
		check(t, pkgs, name, forbiddenInEngine)
	}
}

func TestUINeverCallsDockerOrGit(t *testing.T) {
	pkgs := list(t)
	for _, name := range []string{"internal/ui", "internal/ui/tui"} {
		if _, ok := pkgs[name]; !ok {
			t.Fatalf("go list found no %s", name)
		}
		check(t, pkgs, name, forbiddenInUI)
	}
}

func TestOnlyTheDockerPackageImportsTheDockerSDK(t *testing.T) {
	for name, p := range list(t) {
		if name == "internal/docker" {
			continue
		}
		for _, d := range p.Imports {
			if strings.HasPrefix(d, "github.com/docker/docker/") {
				t.Errorf("%s imports the Docker SDK (%s): go through internal/docker", name, d)
			}
		}
	}
}

// The ssh transport and the wire-protocol probes are below the docker
// package: they know no engine, no stack, so that docker can use them and
// they can be tested alone.
func TestSSHAndProbesKnowNoEngine(t *testing.T) {
	pkgs := list(t)
	for _, name := range []string{"internal/ssh", "internal/probe"} {
		check(t, pkgs, name, []string{module + "internal/docker", module + "internal/stack", "github.com/docker/docker/"})
	}
}

// The commands talk to the engine through internal/stack, which owns a
// stack's lifecycle: never to docker, workers or repos directly.
func TestCommandsGoThroughTheStack(t *testing.T) {
	pkgs := list(t)
	cli, ok := pkgs["internal/cli"]
	if !ok {
		t.Fatal("go list found no internal/cli")
	}
	if !slices.Contains(cli.Imports, module+"internal/stack") {
		t.Errorf("internal/cli does not import internal/stack: is the test looking at the right package? %q", cli.Imports)
	}
	for _, d := range cli.Imports {
		for _, f := range []string{"internal/docker", "internal/workers", "internal/repos"} {
			if d == module+f {
				t.Errorf("internal/cli imports %s: go through internal/stack", f)
			}
		}
	}
}
