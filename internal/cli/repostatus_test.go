package cli

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crispify/crispify/internal/event"
)

// gitRun runs git for a test, away from the user's settings.
func gitRun(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@crispify.invalid"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL="+os.DevNull, "GIT_CONFIG_NOSYSTEM=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// gitManifest is a stack of one infra and four repos, none with a worker:
// the exit code then depends on the infra alone.
const gitManifest = `version: 1
project: gitstatus
workspace: ./ws
infra:
  redis:
    image: redis:7
    health: {cmd: ["redis-cli", "ping"]}
services:
  # One repo, four clones: a path written for each keeps them apart.
  api: {repo: "file://{{remote}}", path: api}
  auth: {repo: "file://{{remote}}", path: auth}
  billing: {repo: "file://{{remote}}", path: billing}
  gone: {repo: "file://{{remote}}", path: gone}
`

// gitHarness makes the remote, the manifest, and clones of api, auth and
// billing that are dirty and ahead, off their branch, and behind.
func gitHarness(t *testing.T) *harness {
	t.Helper()
	root := t.TempDir()
	src, remote := filepath.Join(root, "src"), filepath.Join(root, "remote.git")
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	gitRun(t, src, "init", "-q", "--initial-branch=master")
	if err := os.WriteFile(filepath.Join(src, "main.go"), []byte("package main\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	gitRun(t, src, "add", ".")
	gitRun(t, src, "commit", "-qm", "first")
	gitRun(t, root, "clone", "-q", "--bare", src, remote)

	h := newHarness(t, strings.ReplaceAll(gitManifest, "{{remote}}", remote))
	ws := filepath.Join(h.dir, "ws")
	for _, n := range []string{"api", "auth", "billing"} {
		gitRun(t, root, "clone", "-q", remote, filepath.Join(ws, n))
	}
	api := filepath.Join(ws, "api")
	gitRun(t, api, "commit", "-q", "--allow-empty", "-m", "not pushed")
	if err := os.WriteFile(filepath.Join(api, "main.go"), []byte("package main // edited\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	gitRun(t, filepath.Join(ws, "auth"), "checkout", "-q", "-b", "feature/x")
	gitRun(t, src, "commit", "-q", "--allow-empty", "-m", "news")
	gitRun(t, src, "push", "-q", remote, "master")
	gitRun(t, filepath.Join(ws, "billing"), "fetch", "-q")
	return h
}

func TestStatusShowsGitStateAndItNeverChangesTheExitCode(t *testing.T) {
	h := gitHarness(t)

	// Nothing up: exit 1, whatever the repos are like.
	out, _, code := h.run("status", "--json")
	if code != ExitFailed {
		t.Errorf("infra down: exit %d, want 1", code)
	}
	var rows []StatusRow
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("status --json: %v\n%s", err, out)
	}
	git := map[string]*event.Git{}
	for _, r := range rows {
		if r.Kind == "repo" {
			git[r.Name] = r.Git
		}
	}
	want := map[string]string{"api": "master ↑1 *1", "auth": "feature/x ≠master", "billing": "master ↓1"}
	for name, s := range want {
		if g := git[name]; g == nil || g.String() != s {
			t.Errorf("%s: git %+v, want %s", name, g, s)
		}
	}
	if g, ok := git["gone"]; !ok || g != nil {
		t.Errorf("missing repo: git %+v (row present %v), want a row without git", g, ok)
	}
	if g := git["api"]; g != nil && (g.Upstream != "origin/master" || g.Want != "master" || g.Dirty != 1 || g.Head == "") {
		t.Errorf("api's git object: %+v", g)
	}
	// The object's keys, for scripts: the row keeps its four, git adds one.
	var raw []map[string]any
	_ = json.Unmarshal([]byte(out), &raw)
	for _, r := range raw {
		for _, k := range []string{"kind", "name", "state", "detail"} {
			if _, ok := r[k]; !ok {
				t.Errorf("row %v lacks %q", r, k)
			}
		}
		if _, ok := r["git"]; ok != (r["kind"] == "repo" && r["name"] != "gone") {
			t.Errorf("row %v: git present %v", r, ok)
		}
	}
	if g := raw[0]["git"].(map[string]any); g["branch"] != "master" || g["ahead"] != 1.0 || g["dirty"] != 1.0 || g["upstream"] != "origin/master" {
		t.Errorf("api's git in JSON: %v", g)
	}

	// Infra healthy: exit 0, though a repo is dirty, ahead, behind, off its
	// branch and another missing.
	if _, _, code := h.run("infra"); code != 0 {
		t.Fatalf("infra: exit %d", code)
	}
	if _, _, code := h.run("status", "--json"); code != 0 {
		t.Errorf("all healthy, repos in every git state: status --json exit %d, want 0", code)
	}
	out, _, code = h.run("status")
	if code != 0 {
		t.Errorf("status: exit %d, want 0", code)
	}
	for _, line := range []string{"api      cloned   master ↑1 *1, ", "auth     cloned   feature/x ≠master, ", "billing  cloned   master ↓1, "} {
		if !strings.Contains(out, line) {
			t.Errorf("status table lacks %q:\n%s", line, out)
		}
	}
}
