//go:build unix

package stack

import (
	"errors"
	"os"
	"testing"
	"time"

	"github.com/crispify/crispify/internal/manifest"
)

// "Is a stack already running?" is the boot's to answer: a second
// foreground boot of the project applies through the first, which keeps
// the stack, and decrispify's stop ends the first one's wait.
func TestASecondBootAppliesThroughTheFirst(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir()) // the supervisor's record
	t.Setenv("HOME", t.TempDir())
	ws, err := os.MkdirTemp("", "cb") // a socket path short enough anywhere
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(ws) })
	file := ws + "/crispify.yaml" // each apply reads it again
	if err := os.WriteFile(file, []byte("version: 1\nproject: twice\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := manifest.Load(file, manifest.Options{Workspace: ws})
	if err != nil {
		t.Fatal(err)
	}
	st := &Stack{Manifest: m}
	ctx := ctxFor(t, 30*time.Second)
	req := st.Request(Local, nil, "", "", false, nil)

	first, err := st.Boot(ctx, BootOptions{Keeping: Foreground})
	if err != nil {
		t.Fatal(err)
	}
	if !first.Own() {
		t.Fatal("the first boot does not keep the stack")
	}
	if _, err := first.Apply(ctx, req); err != nil {
		t.Fatalf("the first apply: %v", err)
	}

	second, err := st.Boot(ctx, BootOptions{Keeping: Foreground})
	if err != nil {
		t.Fatal(err)
	}
	if second.Own() || second.Keeper() != (Keeper{PID: os.Getpid(), InTerminal: true}) {
		t.Errorf("the second boot: own %v, kept by %+v", second.Own(), second.Keeper())
	}
	if _, err := second.Apply(ctx, req); err != nil {
		t.Errorf("the apply through the first: %v", err)
	}
	second.Wait(ctx) // nothing to wait for: another process keeps the stack
	if err := second.Close(); err != nil {
		t.Errorf("the second boot ends with %v", err)
	}

	// decrispify from another terminal.
	c, err := st.Dial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	go c.Down(ctx)
	first.Wait(ctx)
	if !first.DownElsewhere() {
		t.Error("the first boot's wait did not end on decrispify")
	}
	if err := first.Close(); err != nil {
		t.Errorf("the first boot ends with %v", err)
	}
	if _, err := st.Dial(ctx); !errors.Is(err, ErrNotRunning) {
		t.Errorf("a supervisor still answers: %v", err)
	}
}
