package workers

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
)

func TestTailLogLastLinesThenFollowsAcrossRotation(t *testing.T) {
	dir := t.TempDir()
	path := LogPath(dir, "api")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("one\ntwo\nthree\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var got []string
	if err := TailLog(context.Background(), dir, "api", 2, false, func(l string) { got = append(got, l) }); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []string{"two", "three"}) {
		t.Fatalf("tail 2: %q", got)
	}

	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	got = nil
	done := make(chan error)
	go func() {
		done <- TailLog(ctx, dir, "api", 0, true, func(l string) { mu.Lock(); got = append(got, l); mu.Unlock() })
	}()
	time.Sleep(300 * time.Millisecond)
	appendLine(t, path, "four")
	time.Sleep(300 * time.Millisecond)
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	appendLine(t, path, "five")
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n >= 2 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []string{"four", "five"}) {
		t.Fatalf("followed %q, want four then five (after the rotation)", got)
	}
}

func TestTailLogOfAServiceThatNeverRan(t *testing.T) {
	err := TailLog(context.Background(), t.TempDir(), "ghost", 10, false, func(string) {})
	if err == nil {
		t.Fatal("want an error for a missing log")
	}
}

func appendLine(t *testing.T, path, line string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(line + "\n"); err != nil {
		t.Fatal(err)
	}
}
