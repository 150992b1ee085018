package tui

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crispify/crispify/internal/event"
)

// w turns watching of the selected worker on, or off when it is on; the
// row marks a watched worker, the header counts them, and a restart for a
// change says which file triggered it.
func TestWatchKeyMarkAndCount(t *testing.T) {
	ctrl := &fakeController{}
	m := newTestModel(t, testOptions(), ctrl, 120, 30)
	feed(m, 5*time.Minute, finished()...)
	m.sel = itemKey{event.Worker, "billing"}
	deliver(t, m, press(m, "w"))
	if got := ctrl.Calls(); !slices.Equal(got, []string{"watch billing true"}) {
		t.Fatalf("w on an unwatched worker: %v", got)
	}
	if strings.Contains(m.View().Content, "watching") {
		t.Errorf("the header counts a worker the engine has not said it watches:\n%s", m.View().Content)
	}

	feed(m, 5*time.Minute+time.Second, event.Event{Kind: event.Worker, Name: "billing", Phase: event.Ready, Watch: "on"})
	view := m.View().Content
	if !strings.Contains(view, "◉ watching 1") {
		t.Errorf("the header does not count the watched worker:\n%s", view)
	}
	if !strings.Contains(lineWith(view, "billing"), "◉") {
		t.Errorf("billing's row is not marked watched:\n%s", view)
	}
	// A later event without the field keeps the state.
	feed(m, 5*time.Minute+2*time.Second,
		event.Event{Kind: event.Worker, Name: "billing", Phase: event.Restarting, Msg: "main.go changed"},
		event.Event{Kind: event.Worker, Name: "billing", Phase: event.Ready, Msg: "restarted: main.go changed"})
	view = m.View().Content
	if !strings.Contains(lineWith(view, "billing"), "restarted: main.go changed") || !strings.Contains(view, "◉ watching 1") {
		t.Errorf("after a restart for a change:\n%s", view)
	}

	deliver(t, m, press(m, "w"))
	if got := ctrl.Calls(); !slices.Equal(got, []string{"watch billing true", "watch billing false"}) {
		t.Errorf("w on a watched worker: %v", got)
	}
	m.sel = itemKey{event.Infra, "redis"}
	if cmd := press(m, "w"); cmd != nil {
		t.Error("w on a container did something")
	}
	if !strings.Contains(m.View().Content, "watch: select a worker") {
		t.Error("w on a container says nothing")
	}
}

func lineWith(view, s string) string {
	for _, l := range strings.Split(view, "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	return ""
}
