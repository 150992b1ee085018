//go:build unix

package workers

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Logs hold what workers print, secrets included: they are the user's
// alone, like the socket. A log or folder an older crispify made readable
// to all is closed up on the next open.
func TestLogsAreTheUsersAlone(t *testing.T) {
	t.Parallel()
	stateDir := t.TempDir()
	old := LogPath(stateDir, "old")
	os.MkdirAll(filepath.Dir(old), 0o755)
	os.WriteFile(old, []byte("before\n"), 0o644)
	for _, name := range []string{"api", "old"} {
		l, err := openLog(stateDir, name, 100)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 20 {
			l.writeLine(fmt.Sprintf("line %d of some length", i))
		}
		l.close()
	}
	mode := func(p string) fs.FileMode {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Mode().Perm()
	}
	if m := mode(filepath.Join(stateDir, "logs")); m != 0o700 {
		t.Errorf("logs folder mode %v, want 0700", m)
	}
	for _, p := range []string{LogPath(stateDir, "api"), LogPath(stateDir, "api") + ".1", old, old + ".1"} {
		if m := mode(p); m != 0o600 {
			t.Errorf("%s mode %v, want 0600", p, m)
		}
	}
}

// The exported writer (for the supervisor's own log) rotates like the
// service logs and may be written from many goroutines.
func TestLogWriterRotatesAndIsSafeForConcurrentUse(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "logs", "supervisor.log")
	w, err := openLogWriterAt(path, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 100 {
				fmt.Fprintf(w, "goroutine %d line %d\n", g, i)
			}
		}()
	}
	wg.Wait()
	w.Close()
	total := 0
	for _, p := range []string{path, path + ".1", path + ".2", path + ".3"} {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if len(b) > 1000 {
			t.Errorf("%s is %d bytes, over its cap", p, len(b))
		}
		for _, l := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
			if !strings.HasPrefix(l, "goroutine ") {
				t.Errorf("%s: torn line %q", p, l)
			}
		}
		total += len(b)
	}
	if _, err := os.Stat(path + ".4"); err == nil {
		t.Error("more than three rotations kept")
	}
	if total < 3000 {
		t.Errorf("only %d bytes kept", total)
	}
}

// A lone line is in the file at once; a burst within flushEvery; all of it
// once closed.
func TestLogFileWritesLoneLinesAtOnceAndBurstsSoon(t *testing.T) {
	t.Parallel()
	stateDir := t.TempDir()
	l, err := openLog(stateDir, "api", 10<<20)
	if err != nil {
		t.Fatal(err)
	}
	read := func() string { b, _ := os.ReadFile(LogPath(stateDir, "api")); return string(b) }
	l.writeLine("pid=42")
	if read() != "pid=42\n" {
		t.Fatalf("a lone line is not in the file at once: %q", read())
	}
	for i := range 10_000 {
		l.writeLine(fmt.Sprintf("burst %d", i))
	}
	deadline := time.Now().Add(2 * time.Second)
	for !strings.HasSuffix(read(), "burst 9999\n") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := strings.Count(read(), "\n"); got != 10_001 {
		t.Errorf("%d lines in the file a while after the burst, want 10001", got)
	}
	l.writeLine("last")
	l.close()
	if !strings.HasSuffix(read(), "burst 9999\nlast\n") {
		t.Errorf("not all written on close: ...%q", read()[max(0, len(read())-40):])
	}
}
