// Package e2e runs the crispify binaries for real: real git repos, a real
// Docker engine, real processes. Each test has its own project name and
// cleans up after itself. Tests that need the engine skip only when none is
// reachable and CI is unset; in CI they fail instead.
package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crispify/crispify/internal/docker"
)

// bin is the folder holding the crispify and decrispify built for this run.
var bin string

// engineErr is why no engine is reachable, nil when one is.
var engineErr error

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "crispify-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin = dir
	build := exec.Command("go", "build", "-o", bin+string(os.PathSeparator), "../cmd/...")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build crispify for the e2e tests:", err)
		os.Exit(1)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	_, _, engineErr = docker.Connect(ctx, os.Getenv)
	cancel()
	before := unlabelledVolumes()
	code := m.Run()
	// Nothing a test ran may leave a volume that no teardown finds: an
	// image's VOLUME left to the engine is one per create.
	if left := newUnlabelledVolumes(before); len(left) > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: volumes without crispify's labels appeared during the run: %s\n(free them with: docker volume rm %s)\n", strings.Join(left, " "), strings.Join(left, " "))
		code = max(code, 1)
	}
	os.RemoveAll(bin)
	os.Exit(code)
}

// unlabelledVolumes lists the engine's volumes without a crispify project
// label; nil when there is no engine to ask.
func unlabelledVolumes() map[string]bool {
	if engineErr != nil {
		return nil
	}
	out, err := exec.Command("docker", "volume", "ls", "--format", `{{.Name}} {{.Label "io.crispify.project"}}`).Output()
	if err != nil {
		return nil
	}
	vols := map[string]bool{}
	for _, line := range strings.Split(string(out), "\n") {
		if name, project, _ := strings.Cut(strings.TrimSpace(line), " "); name != "" && project == "" {
			vols[name] = true
		}
	}
	return vols
}

// newUnlabelledVolumes are the unlabelled volumes that were not there
// before the run.
func newUnlabelledVolumes(before map[string]bool) []string {
	if before == nil {
		return nil
	}
	var out []string
	for name := range unlabelledVolumes() {
		if !before[name] {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// needEngine skips a test when no Docker engine is reachable, outside CI.
func needEngine(t *testing.T) {
	t.Helper()
	if engineErr == nil {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("CI is set and no Docker engine is reachable: %v", engineErr)
	}
	t.Skipf("skipped: no Docker engine is reachable and CI is unset (%v)", engineErr)
}

// Local images the tests use; scripts/local-images.sh builds them.
const (
	imageRedis    = "crispify-local/redis:7.0"
	imageRabbitMQ = "crispify-local/rabbitmq:3.10"
	imageMariaDB  = "crispify-local/mariadb:10.11"
	imageFerretDB = "crispify-local/ferretdb:1.24"
	imageES       = "crispify-fixture/elasticsearch-standin:8"
	imageSSDB     = "crispify-fixture/ssdb-standin:1"
)

var imageScriptName = map[string]string{
	imageRedis: "redis", imageRabbitMQ: "rabbitmq", imageMariaDB: "mariadb",
	imageFerretDB: "ferretdb", imageES: "elasticsearch", imageSSDB: "ssdb",
}

// needImages makes the local images exist, building the missing ones with
// scripts/local-images.sh (cached: fast when they are there).
func needImages(t *testing.T, images ...string) {
	t.Helper()
	needEngine(t)
	var missing []string
	for _, img := range images {
		if exec.Command("docker", "image", "inspect", img).Run() != nil {
			missing = append(missing, imageScriptName[img])
		}
	}
	if len(missing) == 0 {
		return
	}
	script, _ := filepath.Abs("../scripts/local-images.sh")
	cmd := exec.Command(script, missing...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("build local images %v: %v", missing, err)
	}
}
