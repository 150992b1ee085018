package docker_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/crispify/crispify/internal/event"
)

func TestSecondRunWaitsForTheFirstAndSaysSo(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir()) // where the lock lives
	t.Setenv("HOME", t.TempDir())           // (macOS's cache folder)
	first, _, _ := newProject(t, testManifest)
	second, _, rec := newProject(t, testManifest)
	ctx := context.Background()
	if err := first.Lock(ctx, []string{"plain"}); err != nil {
		t.Fatal(err)
	}
	if err := first.Lock(ctx, []string{"plain"}); err != nil { // held: no self-deadlock
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() { got <- second.Lock(ctx, []string{"plain"}) }()
	select {
	case err := <-got:
		t.Fatalf("second run took the lock while the first held it (err %v)", err)
	case <-time.After(300 * time.Millisecond):
	}
	if e := rec.last(event.Infra, "plain"); e.Phase != event.Waiting || !strings.Contains(e.Msg, "another crispify") {
		t.Errorf("waiting run reported %+v", e)
	}
	first.Unlock()
	if err := <-got; err != nil {
		t.Fatal(err)
	}
	second.Unlock()
	second.Unlock() // twice is harmless
}
