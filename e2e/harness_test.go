package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// env is one test's world: a folder with a manifest, a project name of its
// own, and the binaries.
type env struct {
	t        *testing.T
	dir      string
	project  string
	manifest string
	extraEnv []string
}

// newEnv makes a test folder and a unique project name. Its cleanup tears
// down whatever the test started, volumes too (every branch's data and the
// snapshots), and checks nothing is left.
func newEnv(t *testing.T, name string) *env {
	t.Helper()
	suffix := make([]byte, 3)
	_, _ = rand.Read(suffix)
	e := &env{t: t, dir: t.TempDir(), project: "e2e-" + name + "-" + hex.EncodeToString(suffix)}
	e.manifest = filepath.Join(e.dir, "crispify.yaml")
	t.Cleanup(func() {
		if _, err := os.Stat(e.manifest); err != nil {
			return
		}
		if r := e.run("decrispify", "--all-branches", "--yes"); r.code != 0 {
			t.Errorf("cleanup: decrispify exit %d\n%s", r.code, r.stderr)
		}
		if left := e.docker("ps", "-aq", "--filter", "label=io.crispify.project="+e.project); left != "" {
			t.Errorf("cleanup: containers of %s left: %s", e.project, left)
		}
	})
	return e
}

// write puts the manifest in place, with {{project}} replaced.
func (e *env) write(text string) {
	e.t.Helper()
	text = strings.ReplaceAll(text, "{{project}}", e.project)
	if err := os.WriteFile(e.manifest, []byte(text), 0o644); err != nil {
		e.t.Fatal(err)
	}
}

type result struct {
	stdout, stderr string
	code           int
	took           time.Duration
}

// crispify runs `crispify -f MANIFEST args...`.
func (e *env) crispify(args ...string) result {
	e.t.Helper()
	return e.run("crispify", append([]string{"-f", e.manifest}, args...)...)
}

// run runs one of the built binaries in the test folder, plain output.
func (e *env) run(program string, args ...string) result {
	e.t.Helper()
	if program == "decrispify" {
		args = append([]string{"-f", e.manifest}, args...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(bin, program), args...)
	cmd.Dir = e.dir
	cmd.Env = append(os.Environ(), "CI=true", "NO_COLOR=1")
	cmd.Env = append(cmd.Env, e.extraEnv...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	start := time.Now()
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errOut.String(), took: time.Since(start)}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
	case err != nil:
		e.t.Fatalf("run %s %q: %v", program, args, err)
	}
	return r
}

// docker runs the docker CLI and returns its trimmed output.
func (e *env) docker(args ...string) string {
	e.t.Helper()
	out, err := exec.Command("docker", args...).CombinedOutput()
	if err != nil {
		e.t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// containerID is the ID of the project's container of an infra entry.
func (e *env) containerID(infra string) string {
	e.t.Helper()
	return e.docker("inspect", "--format", "{{.Id}}", e.project+"-"+infra)
}

// freePort returns a TCP port nothing listens on now.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func itoa(n int) string { return strconv.Itoa(n) }

// must fails the test with the command's output when it did not exit as wanted.
func (r result) must(t *testing.T, code int) result {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, code, r.stdout, r.stderr)
	}
	return r
}

// freeUnnamed removes the unnamed volumes a decrispify without --volumes
// said it left (anonymous volumes of an older crispify's containers), so
// that tests leave nothing behind, and returns how many there were.
func (e *env) freeUnnamed(r result) int {
	e.t.Helper()
	_, ids, found := strings.Cut(r.stdout, "docker volume rm ")
	if !found {
		return 0
	}
	list := strings.Fields(ids)
	e.docker(append([]string{"volume", "rm"}, list...)...)
	return len(list)
}
