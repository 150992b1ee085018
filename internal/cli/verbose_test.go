package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// -v shows the git commands crispify runs, with the credentials of the
// manifest's URLs masked, on stderr; without it, nothing of the kind.
func TestVerboseShowsGitCommandsMasked(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	dir := t.TempDir()
	bare := filepath.Join(dir, "api.git")
	if out, err := exec.Command("git", "init", "-q", "--bare", bare).CombinedOutput(); err != nil {
		t.Fatalf("git init: %v\n%s", err, out)
	}
	h := newHarness(t, "version: 1\nproject: p\nworkspace: "+filepath.Join(dir, "ws")+"\nservices:\n  api: {repo: \"http://bob:hunter2@127.0.0.1:1/api.git\"}\n  web: {repo: \"file://"+bare+"\"}\n")
	_, errOut, _ := h.run("-v", "repos", "--git", "cli")
	for _, want := range []string{"crispify -v ", "run git clone --progress --origin origin --branch master -- http://127.0.0.1:1/api.git ",
		"GIT_CONFIG_VALUE_0='Authorization: ***'", "-- file://" + bare} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if strings.Contains(errOut, "hunter2") {
		t.Errorf("-v shows the password:\n%s", errOut)
	}
	os.RemoveAll(filepath.Join(dir, "ws"))
	if _, errOut, _ := h.run("repos", "--git", "cli"); strings.Contains(errOut, "crispify -v") {
		t.Errorf("traced without -v:\n%s", errOut)
	}
}
