//go:build unix

package cli

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/crispify/crispify/internal/manifest"
	"github.com/crispify/crispify/internal/stack"
)

// A foreground crispify keeps its stack until Ctrl-C (exit 130, nothing
// left serving); a second crispify meanwhile applies through it and says
// which process keeps the stack.
func TestAForegroundRunKeepsTheStackUntilCtrlCAndASecondAppliesThroughIt(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir()) // the supervisor's record
	t.Setenv("HOME", t.TempDir())
	dir, err := os.MkdirTemp("", "cf") // a socket path short enough anywhere
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	h := newHarness(t, "version: 1\nproject: fg\nworkspace: ./ws\n")
	h.dir = dir
	file := filepath.Join(dir, "crispify.yaml")
	if err := os.WriteFile(file, []byte("version: 1\nproject: fg\nworkspace: ./ws\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := manifest.Load(file, manifest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st := &stack.Stack{Manifest: m}

	ctx, interrupt := context.WithCancel(context.Background())
	defer interrupt()
	ended := make(chan int, 1)
	go func() {
		_, _, code := h.runCtx(ctx)
		ended <- code
	}()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := st.Dial(context.Background()); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the foreground run never served its socket")
		}
		time.Sleep(20 * time.Millisecond)
	}

	_, errOut, code := h.run()
	if code != ExitOK || !strings.Contains(errOut, "the stack runs in the foreground crispify of another terminal (pid ") {
		t.Errorf("the second run: exit %d\n%s", code, errOut)
	}

	interrupt()
	select {
	case code := <-ended:
		if code != ExitInterrupted {
			t.Errorf("the foreground run exits %d after Ctrl-C, want 130", code)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the foreground run did not end on Ctrl-C")
	}
	if _, err := st.Dial(context.Background()); !errors.Is(err, stack.ErrNotRunning) {
		t.Errorf("a supervisor still answers: %v", err)
	}
}
