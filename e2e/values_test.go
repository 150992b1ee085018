package e2e

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Only ${VAR} expands: a $ in a password reaches the worker as written, $$
// is a literal $, and validate warns (exit 0) about a ${VAR} nothing sets.
func TestDollarInEnvSurvivesIntoTheWorker(t *testing.T) {
	needEngine(t)
	e := newEnv(t, "dollar")
	e.write(head + "services:\n" + service("api", e.workerRepo("api", nil), "",
		`DB_PASSWORD: "Pa$sw0rd!", LITERAL: "$${HOME} and $$5", EXPANDED: "${CRISPIFY_PROJECT}", `+
			`WORKER_ENV: "DB_PASSWORD,LITERAL,EXPANDED", WORKER_SAY: shown`, `{log: "shown"}`))
	r := e.crispify("validate").must(t, 0)
	if strings.Contains(r.stderr, "warning") {
		t.Errorf("validate warns about a manifest whose variables are all set:\n%s", r.stderr)
	}
	e.crispify("-d").must(t, 0)
	log := ""
	eventually(5*time.Second, func() bool { log = e.workerLog("api"); return strings.Contains(log, "shown") })
	for _, want := range []string{"DB_PASSWORD=Pa$sw0rd!\n", "LITERAL=${HOME} and $5\n", "EXPANDED=" + e.project + "\n"} {
		if !strings.Contains(log, want) {
			t.Errorf("the worker did not get %q; its log:\n%s", want, log)
		}
	}
	e.run("decrispify").must(t, 0)

	e.write(head + "services:\n  api:\n    repo: " + e.workerRepo("api2", nil) + "\n    env: {URL: \"http://${NOT_SET_ANYWHERE_E2E}/x\"}\n")
	r = e.crispify("validate").must(t, 0)
	if !strings.Contains(r.stderr, "crispify.yaml:7:16: warning: services.api.env.URL: ${NOT_SET_ANYWHERE_E2E} is set neither") {
		t.Errorf("validate does not warn about the unset variable:\n%s", r.stderr)
	}
}

// A setup_when file that is a FIFO is refused at once, naming it: it was
// hashed for ever, and the first Ctrl-C ignored.
func TestFIFOSetupWhenIsRefusedAtOnce(t *testing.T) {
	needEngine(t)
	e := newEnv(t, "fifo")
	e.write(head + "services:\n  api:\n    repo: " + e.workerRepo("api", nil) + "\n    setup: [\"true\"]\n    setup_when: [lock.json]\n    run: sleep 600\n")
	e.crispify("repos").must(t, 0)
	if err := syscall.Mkfifo(filepath.Join(e.dir, "ws", "api", "lock.json"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := e.crispify("run", "-d", "api")
	if r.code != 1 || !strings.Contains(r.stderr, "lock.json") || !strings.Contains(r.stderr, "a FIFO (named pipe)") {
		t.Fatalf("exit %d, want 1 naming the FIFO:\n%s", r.code, r.stderr)
	}
	if r.took > 5*time.Second {
		t.Errorf("refusing the FIFO took %v", r.took)
	}
	os.Remove(filepath.Join(e.dir, "ws", "api", "lock.json"))
}

// A URL password with reserved characters left unescaped is refused by
// validate at the character, with the hint to percent-encode, and the
// password is not printed; nothing is cloned or handed to git.
func TestUnescapedURLPasswordIsRefusedWhereItIs(t *testing.T) {
	dir := t.TempDir()
	manifest := filepath.Join(dir, "crispify.yaml")
	os.WriteFile(manifest, []byte("version: 1\nproject: e2e-unescaped\nworkspace: ./ws\nservices:\n  x:\n    repo: http://alice:p@ss#w0rd@127.0.0.1:1/x.git\n"), 0o644)
	for _, args := range [][]string{{"validate"}, {"repos"}} {
		cmd := exec.Command(filepath.Join(bin, "crispify"), append([]string{"-f", manifest}, args...)...)
		cmd.Env = append(os.Environ(), "CI=true")
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 2 {
			t.Errorf("crispify %v: %v, want exit 2\n%s", args, err, out)
		}
		want := "crispify.yaml:6:25: services.x.repo: unescaped '@' in the URL's credentials: percent-encode it as %40 (and '#' as %23)"
		if !strings.Contains(string(out), want) {
			t.Errorf("crispify %v lacks %q:\n%s", args, want, out)
		}
		if strings.Contains(string(out), "w0rd") {
			t.Errorf("crispify %v shows the password:\n%s", args, out)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "ws")); err == nil {
		t.Error("the workspace was made: something was attempted")
	}
}
