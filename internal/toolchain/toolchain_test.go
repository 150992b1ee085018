package toolchain

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/crispify/crispify/internal/manifest"
)

// fakeTools writes shell scripts named like tools into a new folder, each
// printing its text and exiting 0, and returns the folder. The scripts use
// only the shell and cat, found by absolute path: the PATH of a check may
// hold only this folder. A text starting
// with "!" is printed to stderr with exit 1.
func fakeTools(t *testing.T, tools map[string]string) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the fake tools are shell scripts")
	}
	cat, err := exec.LookPath("cat")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for name, text := range tools {
		body := "#!/bin/sh\n" + cat + " <<'EOF'\n" + text + "\nEOF\n"
		if rest, ok := strings.CutPrefix(text, "!"); ok {
			body = "#!/bin/sh\n" + cat + " >&2 <<'EOF'\n" + rest + "\nEOF\nexit 1\n"
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// service loads a manifest of one service "api" with the given tools: line
// (or none) and writes the repo files into its folder.
func service(t *testing.T, toolsLine string, files map[string]string) (*manifest.Manifest, *manifest.Service) {
	t.Helper()
	ws := t.TempDir()
	src := "version: 1\nproject: tc\nservices:\n  api:\n    repo: file:///nowhere/api.git\n    run: ./worker\n"
	if toolsLine != "" {
		src += "    tools: " + toolsLine + "\n"
	}
	m, err := manifest.Parse([]byte(src), filepath.Join(ws, "crispify.yaml"), manifest.Options{Workspace: ws})
	if err != nil {
		t.Fatal(err)
	}
	s := m.Services["api"]
	if files != nil {
		if err := os.MkdirAll(s.Dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, text := range files {
		p := filepath.Join(s.Dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return m, s
}

func TestWishes(t *testing.T) {
	for _, tc := range []struct {
		name  string
		tools string
		files map[string]string
		want  []string // tool wanted source [unreadable]
	}{
		{"nothing", "", map[string]string{"main.py": ""}, nil},
		{"not cloned, manifest only", `{node: ">=20", go: 1.26}`, nil, []string{"node >=20 crispify.yaml", "go 1.26 crispify.yaml"}},
		{"nvmrc", "", map[string]string{".nvmrc": "v20.11.1\n"}, []string{"node v20.11.1 .nvmrc"}},
		{"nvmrc with a comment", "", map[string]string{".nvmrc": "# pinned\nlts/iron # the LTS\n"}, []string{"node lts/iron .nvmrc"}},
		{"nvmrc alias", "", map[string]string{".nvmrc": "node\n"}, []string{"node node .nvmrc"}},
		{"node-version", "", map[string]string{".node-version": "18"}, []string{"node 18 .node-version"}},
		{"nvmrc before node-version", "", map[string]string{".nvmrc": "20", ".node-version": "18"}, []string{"node 20 .nvmrc"}},
		{"go.mod is a minimum", "", map[string]string{"go.mod": "module x\n\ngo 1.22.0\n\ntoolchain go1.23.1\n"}, []string{"go >=1.22.0 go.mod"}},
		{"ruby-version", "", map[string]string{".ruby-version": "ruby-3.3.0\n"}, []string{"ruby ruby-3.3.0 .ruby-version"}},
		{"python-version", "", map[string]string{".python-version": "3.12.1\n3.11.7\n"}, []string{"python 3.12.1 .python-version"}},
		{"python virtualenv", "", map[string]string{".python-version": "myproject-env\n"}, []string{`python myproject-env .python-version "myproject-env" is not a version of python that crispify can compare`}},
		{"jruby", "", map[string]string{".ruby-version": "jruby-9.4.5.0"}, []string{`ruby jruby-9.4.5.0 .ruby-version "jruby-9.4.5.0" is not a version of ruby that crispify can compare`}},
		{"system", "", map[string]string{".python-version": "system", ".nvmrc": "system"}, nil},
		{"tool-versions", "", map[string]string{".tool-versions": "# tools\nnodejs 20.11.1\ngolang 1.26.1 # go\nterraform 1.7.0\npython 3.12.1 3.11.7\nruby system\n"},
			[]string{"node 20.11.1 .tool-versions", "go 1.26.1 .tool-versions", "python 3.12.1 3.11.7 .tool-versions"}},
		{"tool-versions before nvmrc", "", map[string]string{".tool-versions": "node 22.1.0", ".nvmrc": "20"}, []string{"node 22.1.0 .tool-versions"}},
		{"tool-versions ref", "", map[string]string{".tool-versions": "nodejs ref:v20.x"}, []string{`node ref:v20.x .tool-versions "ref:v20.x" names a build, not a version`}},
		{"manifest before files", `{node: "^20"}`, map[string]string{".nvmrc": "18", "go.mod": "module x\ngo 1.22\n"}, []string{"node ^20 crispify.yaml", "go >=1.22 go.mod"}},
		{"unreadable nvmrc", "", map[string]string{".nvmrc": "iojs"}, []string{"node iojs .nvmrc io.js is not node"}},
		{"garbage nvmrc", "", map[string]string{".nvmrc": "twenty"}, []string{`node twenty .nvmrc version constraint "twenty": "twenty" is not a version: it must start with a number, like 20.11.1 (forms: 20.11.1, 20, >=20, ^20, ~20.1, >=18 <23, ^18 || ^20, lts/*)`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, s := service(t, tc.tools, tc.files)
			var got []string
			for _, w := range Wishes(m, s) {
				g := w.Tool + " " + w.Wanted + " " + w.Source
				if w.Unreadable != "" {
					g += " " + w.Unreadable
				}
				got = append(got, g)
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("wishes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

func TestParseOutput(t *testing.T) {
	for _, tc := range []struct{ tool, out, want string }{
		{"node", "v20.11.1\n", "20.11.1"},
		{"node", "v21.0.0-nightly20231010\n", "21.0.0nightly20231010"},
		{"go", "go version go1.26.8 linux/amd64\n", "1.26.8"},
		{"go", "go version go1.20 darwin/arm64\n", "1.20"},
		{"go", "go version go1.23rc1 linux/amd64\n", "1.23rc1"},
		{"ruby", "ruby 3.3.0 (2023-12-25 revision 5124f9ac75) [x86_64-linux]\n", "3.3.0"},
		{"ruby", "ruby 2.7.8p225 (2023-03-30 revision 1f4d455848) [x86_64-linux]\n", "2.7.8"},
		{"ruby", "ruby 3.4.0preview1 (2024-05-16 master 9d69619623) [arm64-darwin23]\n", "3.4.0preview1"},
		{"python", "Python 3.12.1\n", "3.12.1"},
		{"python", "Python 3.13.0rc2\n", "3.13.0rc2"},
		{"python", "Python 2.7.18\n", "2.7.18"},
		{"node", "command not found\n", ""},
	} {
		tl, _ := knownTool(tc.tool)
		v, ok := tl.parseOutput(tc.out)
		got := ""
		if ok {
			got = v.String()
		}
		if got != tc.want {
			t.Errorf("%s %q = %q, want %q", tc.tool, tc.out, got, tc.want)
		}
	}
}

func TestCheckAgainstFakePrograms(t *testing.T) {
	bin := fakeTools(t, map[string]string{
		"node":    "v18.19.0",
		"go":      "go version go1.26.3 linux/amd64",
		"ruby":    "ruby 3.3.0p0 (2023-12-25 revision 5124f9ac75) [x86_64-linux]",
		"python3": "!pyenv: version `3.12.1' is not installed (set by PYENV_VERSION environment variable)",
	})
	env := []string{"PATH=" + bin, "HOME=" + t.TempDir()}
	for _, tc := range []struct {
		name, tools string
		files       map[string]string
		status      []Status
		says        []string
	}{
		{"all good", `{node: "^18", go: "1.26", ruby: "~> 3.2"}`, nil, []Status{OK, OK, OK}, []string{"has node 18.19.0", "has go 1.26.3", "has ruby 3.3.0"}},
		{"node too old", `{node: ">=20"}`, nil, []Status{Wrong},
			[]string{"service api wants node >=20 (from crispify.yaml), found node 18.19.0 (" + filepath.Join(bin, "node") + "): install node 20: `nvm install 20`, or `mise use -g node@20`"}},
		{"exact go", `{go: "1.26.1"}`, nil, []Status{Wrong}, []string{"wants go 1.26.1", "found go 1.26.3", "mise use -g go@1.26.1"}},
		{"go.mod minimum met", "", map[string]string{"go.mod": "module x\n\ngo 1.22\n"}, []Status{OK}, []string{"has go 1.26.3"}},
		{"go.mod minimum not met", "", map[string]string{"go.mod": "module x\n\ngo 1.30\n"}, []Status{Wrong}, []string{"wants go >=1.30 (from go.mod)", "found go 1.26.3", "install go 1.30 or newer from https://go.dev/dl/"}},
		{"nvmrc", "", map[string]string{".nvmrc": "20\n"}, []Status{Wrong}, []string{"(from .nvmrc)", "run `nvm install` in "}},
		{"tool-versions", "", map[string]string{".tool-versions": "nodejs 20.11.1\n"}, []Status{Wrong}, []string{"wants node 20.11.1 (from .tool-versions)", "found node 18.19.0", "run `mise install` (or `asdf install`) in "}},
		{"lts", `{node: lts/*}`, nil, []Status{OK}, []string{"has node 18.19.0"}},
		{"missing python is broken shim", `{python: "3.12.1"}`, nil, []Status{Broken},
			[]string{"wants python 3.12.1", "but `python3 --version` failed: pyenv: version `3.12.1' is not installed (set by PYENV_VERSION environment variable) (exit 1)", "pyenv install 3.12.1"}},
		{"unreadable is a note", "", map[string]string{".nvmrc": "iojs"}, []Status{Unchecked}, []string{"not checked: io.js is not node"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, s := service(t, tc.tools, tc.files)
			results := Check(context.Background(), m, s, env)
			if len(results) != len(tc.status) {
				t.Fatalf("%d results, want %d: %v", len(results), len(tc.status), results)
			}
			var text []string
			for i, r := range results {
				if r.Status != tc.status[i] {
					t.Errorf("%s: status %d, want %d: %s", r.Tool, r.Status, tc.status[i], r)
				}
				text = append(text, r.String())
			}
			all := strings.Join(text, "\n")
			for _, want := range tc.says {
				if !strings.Contains(all, want) {
					t.Errorf("results lack %q:\n%s", want, all)
				}
			}
			err := Verify(context.Background(), m, s, env)
			if problem := tc.status[0] >= Missing; problem != (err != nil) {
				t.Errorf("Verify = %v with results %v", err, all)
			}
		})
	}
}

func TestMissingToolNamesWhatToInstall(t *testing.T) {
	empty := fakeTools(t, nil)
	m, s := service(t, `{node: "20.11.1", ruby: "3.3"}`, nil)
	err := Verify(context.Background(), m, s, []string{"PATH=" + empty})
	want := "service api wants node 20.11.1 (from crispify.yaml), found no node on its PATH: install node 20.11.1: `nvm install 20.11.1`, or `mise use -g node@20.11.1`; " +
		"service api wants ruby 3.3 (from crispify.yaml), found no ruby on its PATH: install ruby 3.3: `rbenv install 3.3`, or `mise use -g ruby@3.3`"
	if err == nil || err.Error() != want {
		t.Errorf("Verify = %v\nwant %s", err, want)
	}
}

// The worker's PATH is the one that counts, relative entries included (a
// repo's node_modules/.bin), and python falls back from python3 to python.
func TestWorkerPathDecides(t *testing.T) {
	old := fakeTools(t, map[string]string{"node": "v16.20.2", "python3": "Python 3.9.2", "python": "Python 3.12.4"})
	m, s := service(t, `{node: "20", python: "3.12"}`, map[string]string{".keep": ""})
	local := filepath.Join(s.Dir, "node_modules", ".bin")
	if err := os.MkdirAll(local, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(local, "node"), []byte("#!/bin/sh\necho v20.11.1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	results := Check(context.Background(), m, s, []string{"PATH=node_modules/.bin" + string(os.PathListSeparator) + old})
	if len(results) != 2 || results[0].Status != OK || results[0].Program != filepath.Join(local, "node") {
		t.Errorf("node: %v, want 20.11.1 from the repo's node_modules/.bin", results)
	}
	if len(results) == 2 && (results[1].Status != OK || results[1].Found != "3.12.4" || results[1].Program != filepath.Join(old, "python")) {
		t.Errorf("python: %v, want python 3.12.4 after python3 3.9.2", results[1])
	}
	// Without the repo's entry, the old node is what the worker would get.
	results = Check(context.Background(), m, s, []string{"PATH=" + old})
	if results[0].Status != Wrong || results[0].Found != "16.20.2" {
		t.Errorf("node without node_modules/.bin: %v", results[0])
	}
}

// A probe runs in the repo's folder, where version managers' shims read
// .nvmrc and the like: this fake answers by the file it finds there.
func TestProbeRunsInTheRepo(t *testing.T) {
	bin := fakeTools(t, nil)
	shim := "#!/bin/sh\nif [ -f .nvmrc ]; then read v < .nvmrc; echo v$v.0.0; else echo v12.0.0; fi\n"
	if err := os.WriteFile(filepath.Join(bin, "node"), []byte(shim), 0o755); err != nil {
		t.Fatal(err)
	}
	m, s := service(t, "", map[string]string{".nvmrc": "22"})
	r := Check(context.Background(), m, s, []string{"PATH=" + bin})
	if len(r) != 1 || r[0].Status != OK || r[0].Found != "22.0.0" {
		t.Errorf("Check = %v, want node 22.0.0 as the shim answers in the repo", r)
	}
}

func TestCheckAll(t *testing.T) {
	bin := fakeTools(t, map[string]string{"node": "v20.11.1"})
	ws := t.TempDir()
	src := `version: 1
project: tc
services:
  a: {repo: file:///x/a.git, run: x, tools: {node: "20"}}
  b: {repo: file:///x/b.git, run: x, tools: {node: "22"}}
  c: {repo: file:///x/c.git, run: x, env_file: .env}
`
	m, err := manifest.Parse([]byte(src), filepath.Join(ws, "crispify.yaml"), manifest.Options{Workspace: ws})
	if err != nil {
		t.Fatal(err)
	}
	envOf := func(s *manifest.Service) ([]string, error) {
		if s.EnvFile != "" {
			return nil, os.ErrNotExist
		}
		return []string{"PATH=" + bin}, nil
	}
	results := CheckAll(context.Background(), m, []string{"a", "b", "c"}, envOf)
	var got []string
	for _, r := range results {
		got = append(got, r.Service+":"+r.Found+":"+map[Status]string{OK: "ok", Wrong: "wrong", Unchecked: "unchecked"}[r.Status])
	}
	if strings.Join(got, " ") != "a:20.11.1:ok b:20.11.1:wrong c::unchecked" {
		t.Errorf("CheckAll = %v", got)
	}
}
