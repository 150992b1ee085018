package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/manifest"
	"github.com/crispify/crispify/internal/stack"
)

// floodBytes is what a chatty worker prints in the bound tests.
const floodBytes = 50 << 20

// maxRSS is what crispify may reach meanwhile: it held every pending line,
// 920 MB for these 50 MB, while its renderer was blocked.
const maxRSS = 150 << 20

// vmHWM is the peak resident memory of a process, from /proc.
func vmHWM(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatalf("read the memory of pid %d: %v", pid, err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	t.Fatalf("no VmHWM for pid %d", pid)
	return 0
}

// flood is the env of a worker that prints floodBytes in lines of 100 (once
// the file trigger exists, when given), then "flood done".
func flood(trigger string) string {
	env := `WORKER_SPAM: "` + itoa(floodBytes/100) + `", WORKER_SAY: flood done`
	if trigger != "" {
		env += `, WORKER_WAIT_FOR: "` + trigger + `"`
	}
	return env
}

// floodDone waits until the worker's log says its flood is over.
func (e *env) floodDone(name string, d time.Duration) bool {
	return eventually(d, func() bool { return strings.Contains(e.workerLog(name), "flood done") })
}

// 50 MB of worker output while crispify's renderer is blocked (plain lines
// to a stderr nobody reads) keep crispify small: pending output is bounded,
// the oldest lines skipped with a marker, the log file has them.
func TestFiftyMBOfOutputThroughABlockedRendererStaysSmall(t *testing.T) {
	needEngine(t)
	e := newEnv(t, "flood")
	e.write(head + "services:\n" + service("chatty", e.workerRepo("chatty", nil), "", flood(""), `{log: "pid="}`))

	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cmd := exec.Command(filepath.Join(bin, "crispify"), "-f", e.manifest, "local", "--output", "plain")
	cmd.Dir = e.dir
	cmd.Env = append(os.Environ(), "CI=true", "NO_COLOR=1")
	cmd.Stdout, cmd.Stderr = w, w // a renderer that reads nothing
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGINT)
		go func() {
			buf := make([]byte, 64<<10)
			for {
				if _, err := r.Read(buf); err != nil {
					return
				}
			}
		}()
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
		}
	})
	if !e.floodDone("chatty", 3*time.Minute) {
		t.Fatalf("the worker did not finish its flood; log:\n%s", tailOf(e.workerLog("chatty"), 5))
	}
	if peak := vmHWM(t, cmd.Process.Pid); peak > maxRSS {
		t.Errorf("crispify peaked at %d MB with its renderer blocked, want under %d MB", peak>>20, maxRSS>>20)
	} else {
		t.Logf("crispify peaked at %d MB", peak>>20)
	}
}

// A `status --watch` (or any client of the supervisor's events) that stops
// reading must not make the supervisor hold what it cannot send.
func TestSlowEventClientDoesNotGrowTheSupervisor(t *testing.T) {
	needEngine(t)
	e := newEnv(t, "slowclient")
	trigger := filepath.Join(e.dir, "go")
	e.write(head + "services:\n" + service("chatty", e.workerRepo("chatty", nil), "", flood(trigger), `{log: "pid="}`))
	e.crispify("-d").must(t, 0)
	m, err := manifest.Load(e.manifest, manifest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	client, err := (&stack.Stack{Manifest: m}).Dial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pid := client.PID()
	block := make(chan struct{})
	defer close(block)
	got := make(chan struct{}, 1)
	go client.Events(ctx, func(event.Event) {
		select {
		case got <- struct{}{}:
		default:
		}
		<-block // a client that stops reading after its first event
	})
	select {
	case <-got:
	case <-time.After(10 * time.Second):
		t.Fatal("no event from the supervisor")
	}
	if err := os.WriteFile(trigger, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if !e.floodDone("chatty", 3*time.Minute) {
		t.Fatalf("the worker did not finish its flood; log:\n%s", tailOf(e.workerLog("chatty"), 5))
	}
	if peak := vmHWM(t, pid); peak > maxRSS {
		t.Errorf("the supervisor peaked at %d MB with a client that reads nothing, want under %d MB", peak>>20, maxRSS>>20)
	} else {
		t.Logf("the supervisor peaked at %d MB", peak>>20)
	}
	cancel()
	e.run("decrispify").must(t, 0)
}

func tailOf(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
