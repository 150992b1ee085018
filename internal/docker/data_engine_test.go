package docker_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/crispify/crispify/internal/docker"
)

// These run against the real Docker engine, with the Redis image
// scripts/local-images.sh builds (no registry). Each test has its own
// project and removes it; they skip only when no engine is reachable and
// CI is unset.

const engineRedis = "crispify-local/redis:7.0"

// realEngine connects to the engine, or skips outside CI when none answers.
func realEngine(t *testing.T) docker.Engine {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	engine, _, err := docker.Connect(ctx, os.Getenv)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI is set and no Docker engine is reachable: %v", err)
		}
		t.Skipf("skipped: no Docker engine is reachable and CI is unset (%v)", err)
	}
	if _, err := engine.ImageInspect(ctx, engineRedis); err != nil {
		t.Fatalf("image %s: %v: build it with scripts/local-images.sh", engineRedis, err)
	}
	return engine
}

// engineProject is a project of its own on the real engine, with a Redis
// on a free port, torn down with its volumes (every branch's) at the end.
func engineProject(t *testing.T, engine docker.Engine, project string, port int) *docker.Project {
	t.Helper()
	text := fmt.Sprintf(`version: 1
project: %s
defaults: {branch: master}
infra:
  redis:
    image: %s
    ports: ["%d:6379"]
`, project, engineRedis, port)
	p := docker.NewProject(docker.ProjectOptions{Engine: engine, Manifest: load(t, text), Sink: &recorder{}, HealthTimeout: time.Minute})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := p.Down(ctx, true); err != nil {
			t.Errorf("tear down %s: %v", project, err)
		}
	})
	return p
}

func testProjectName(t *testing.T) string {
	b := make([]byte, 3)
	rand.Read(b)
	return "crtest-data-" + hex.EncodeToString(b)
}

func freeTCPPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// redisDo sends one command and returns the first line of the answer, or
// the bulk string it announces.
func redisDo(t *testing.T, port int, args ...string) string {
	t.Helper()
	conn, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	io.WriteString(conn, b.String())
	r := bufio.NewReader(conn)
	line, err := r.ReadString('\n')
	if err != nil {
		t.Fatalf("redis %v: %v", args, err)
	}
	line = strings.TrimRight(line, "\r\n")
	if strings.HasPrefix(line, "$") && line != "$-1" {
		v, _ := r.ReadString('\n')
		return strings.TrimRight(v, "\r\n")
	}
	return line
}

func upRedis(t *testing.T, p *docker.Project) {
	t.Helper()
	ctx := context.Background()
	if err := p.EnsureNetwork(ctx); err != nil {
		t.Fatal(err)
	}
	if err := p.Up(ctx, "redis"); err != nil {
		t.Fatal(err)
	}
}

// Data written on master is copied to feature, changed there, and master
// still has its own; a copy from the running Redis is refused.
func TestEngineDataBranches(t *testing.T) {
	engine := realEngine(t)
	port := freeTCPPort(t)
	p := engineProject(t, engine, testProjectName(t), port)
	ctx := context.Background()
	upRedis(t, p)
	if got := redisDo(t, port, "SET", "greeting", "master's"); got != "+OK" {
		t.Fatalf("SET: %s", got)
	}

	err := p.CopyBranch(ctx, "master", "feature", []string{"redis"})
	var inUse *docker.InUseError
	if !errors.As(err, &inUse) {
		t.Fatalf("copy from the running redis: %v", err)
	}

	// Quiesce asks SAVE; without it this Redis, run without a config,
	// would still save on SIGTERM, so the dump is checked on feature.
	if err := p.Quiesce(ctx, "redis"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := p.CopyBranch(ctx, "master", "feature", []string{"redis"}); err != nil {
		t.Fatal(err)
	}
	t.Logf("copy took %v", time.Since(start))
	p.DataBranch = "feature"
	upRedis(t, p)
	if got := redisDo(t, port, "GET", "greeting"); got != "master's" {
		t.Fatalf("feature's copy holds %q", got)
	}
	redisDo(t, port, "SET", "greeting", "feature's")

	if err := p.Quiesce(ctx, "redis"); err != nil {
		t.Fatal(err)
	}
	p.DataBranch = ""
	upRedis(t, p)
	if got := redisDo(t, port, "GET", "greeting"); got != "master's" {
		t.Errorf("master's data after feature changed its own: %q", got)
	}
	if err := p.Quiesce(ctx, "redis"); err != nil {
		t.Fatal(err)
	}
	p.DataBranch = "feature"
	upRedis(t, p)
	if got := redisDo(t, port, "GET", "greeting"); got != "feature's" {
		t.Errorf("feature's data after a swap back: %q", got)
	}
}

// A copy killed with SIGKILL half way leaves its marker; the next call
// removes the half copy and master keeps its data.
func TestEngineHalfCopyAfterKill(t *testing.T) {
	if os.Getenv("CRISPIFY_DATA_COPY_CHILD") != "" {
		copyChild(t)
		return
	}
	engine := realEngine(t)
	port := freeTCPPort(t)
	project := testProjectName(t)
	p := engineProject(t, engine, project, port)
	ctx := context.Background()
	upRedis(t, p)
	redisDo(t, port, "SET", "greeting", "master's")
	if err := p.Quiesce(ctx, "redis"); err != nil {
		t.Fatal(err)
	}

	child := exec.Command(os.Args[0], "-test.run=^TestEngineHalfCopyAfterKill$", "-test.v")
	child.Env = append(os.Environ(), "CRISPIFY_DATA_COPY_CHILD="+project, "CRISPIFY_DATA_COPY_PORT="+strconv.Itoa(port))
	var out strings.Builder
	child.Stdout, child.Stderr = &out, &out
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill it once its copy has begun: the marker and the new volume exist.
	vol := docker.BranchVolumeName(docker.ImageVolumeName(project, "redis", "/data"), "feature", "master")
	deadline := time.Now().Add(time.Minute)
	for {
		if _, err := engine.VolumeInspect(ctx, vol); err == nil {
			break
		}
		if time.Now().After(deadline) {
			child.Process.Kill()
			child.Wait()
			t.Fatalf("the child's copy never began:\n%s", out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // into the stream
	child.Process.Kill()
	child.Wait()

	removed, err := p.CleanHalfCopies(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(removed) != 1 || removed[0] != vol {
		t.Errorf("removed %v, want %s", removed, vol)
	}
	if _, err := engine.VolumeInspect(ctx, vol); !errors.Is(err, docker.ErrNotFound) {
		t.Errorf("the half copy %s stays: %v", vol, err)
	}
	if list, _ := engine.ContainerList(ctx, map[string]string{docker.LabelProject: project}); len(list) != 1 {
		t.Errorf("containers left: %d, want the redis alone", len(list))
	}
	upRedis(t, p)
	if got := redisDo(t, port, "GET", "greeting"); got != "master's" {
		t.Errorf("master's data after a killed copy: %q", got)
	}
}

// copyChild is the process the test kills: its copy's source stream is
// slowed to a trickle, so that SIGKILL finds it under way.
func copyChild(t *testing.T) {
	project := os.Getenv("CRISPIFY_DATA_COPY_CHILD")
	port, _ := strconv.Atoi(os.Getenv("CRISPIFY_DATA_COPY_PORT"))
	engine := realEngine(t)
	text := fmt.Sprintf("version: 1\nproject: %s\ndefaults: {branch: master}\ninfra:\n  redis:\n    image: %s\n    ports: [\"%d:6379\"]\n", project, engineRedis, port)
	p := docker.NewProject(docker.ProjectOptions{Engine: slowArchive{engine}, Manifest: load(t, text), Sink: &recorder{}})
	err := p.CopyBranch(context.Background(), "master", "feature", []string{"redis"})
	t.Fatalf("the copy ended before it was killed: %v", err)
}

// slowArchive streams archives a byte every 100 ms, and starts no copy by
// cp (as for an image without one), so that the copy takes the archive
// way and is still under way when the test kills it.
type slowArchive struct{ docker.Engine }

func (s slowArchive) ContainerStart(ctx context.Context, id string) error {
	if c, err := s.Engine.ContainerInspect(ctx, id); err == nil && strings.HasSuffix(c.Name, "-cp") {
		return errors.New(`exec: "/bin/sh": stat /bin/sh: no such file or directory`)
	}
	return s.Engine.ContainerStart(ctx, id)
}

func (s slowArchive) CopyFromContainer(ctx context.Context, id, path string) (io.ReadCloser, error) {
	rc, err := s.Engine.CopyFromContainer(ctx, id, path)
	if err != nil {
		return nil, err
	}
	return struct {
		io.Reader
		io.Closer
	}{trickle{rc}, rc}, nil
}

type trickle struct{ r io.Reader }

func (t trickle) Read(b []byte) (int, error) {
	time.Sleep(100 * time.Millisecond)
	return t.r.Read(b[:min(len(b), 1)])
}
