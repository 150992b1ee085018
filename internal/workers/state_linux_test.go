package workers

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/crispify/crispify/internal/event"
	"golang.org/x/sys/unix"
)

// fullDisk mounts a small tmpfs for the test and fills it: every write of
// data there fails with ENOSPC, while files can still be made (issue 19: a
// full workspace). It needs root, which CI has.
func fullDisk(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv("CI") != "" {
			t.Fatal("CI runs the tests as root, to mount a tmpfs")
		}
		t.Skip("mounting a tmpfs needs root")
	}
	dir := t.TempDir()
	if err := unix.Mount("tmpfs", dir, "tmpfs", 0, "size=256k,mode=0755"); err != nil {
		t.Fatalf("mount a tmpfs on %s: %v", dir, err)
	}
	t.Cleanup(func() {
		if err := unix.Unmount(dir, unix.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	f, err := os.Create(filepath.Join(dir, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 4096)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("fill %s: %v", dir, err)
			}
			return dir
		}
	}
}

// A worker whose pid cannot be written to the state file (the disk is
// full) is not left running: a crispify killed then could not end it, and
// the next boot would start a second one. The error says what could not be
// written where, and what to try.
func TestAWorkerWhoseStateCannotBeWrittenIsNotLeftRunning(t *testing.T) {
	dir := fullDisk(t)
	if err := os.WriteFile(filepath.Join(dir, "probe"), []byte("x"), 0o644); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("a write on the full disk: %v, want ENOSPC", err)
	}
	rec := &recorder{}
	s, err := New(Options{StateDir: dir, Sink: rec})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	err = s.Start(ctxFor(t, 20*time.Second), Spec{Name: "chat", Command: workerCmd("-print", "up"), Ready: readyLog("^up$")})
	if err == nil {
		t.Fatal("chat started with no record of its pid")
	}
	t.Log(err)
	for _, want := range []string{"worker chat: could not record its pid", StatePath(dir, ""), "no space left on device", "stopped at once", "try: free some space on the disk of " + dir} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q:\n%v", want, err)
		}
	}
	m := regexp.MustCompile(`record its pid (\d+)`).FindStringSubmatch(err.Error())
	if m == nil {
		t.Fatalf("the error names no pid: %v", err)
	}
	pid, _ := strconv.Atoi(m[1])
	if processAlive(pid) {
		t.Errorf("worker chat (pid %d) runs with no record of it", pid)
	}
	if entries := readState(StatePath(dir, "")); len(entries) != 0 {
		t.Errorf("state: %+v", entries)
	}
	if st := s.Status(); len(st) != 1 || st[0].State != event.Failed {
		t.Errorf("status: %+v, want chat failed", st)
	}
}
