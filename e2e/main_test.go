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
	code := m.Run()
	os.RemoveAll(bin)
	os.Exit(code)
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
