package tui

import (
	"strings"
	"testing"

	"github.com/crispify/crispify/internal/event"
)

// The header says whose data the infra run on, and a switch's swap moves
// it; a board of a stack without forking data says nothing of it.
func TestHeaderShowsTheDataBranch(t *testing.T) {
	opts := testOptions()
	opts.DataBranch = "master"
	m := newTestModel(t, opts, nil, 120, 18)
	if first := m.headerLines()[0]; !strings.Contains(first, "data master") {
		t.Errorf("header %q", first)
	}
	feed(m, 0, event.Event{Kind: event.Data, Name: "mysql", Phase: event.Swapped, Volume: &event.Volume{Branch: "feature-x"}})
	if first := m.headerLines()[0]; !strings.Contains(first, "data feature-x") || strings.Contains(first, "master") {
		t.Errorf("header after the swap %q", first)
	}

	none := newTestModel(t, testOptions(), nil, 120, 18)
	feed(none, 0, event.Event{Kind: event.Data, Name: "mysql", Phase: event.Swapped, Volume: &event.Volume{Branch: "feature-x"}})
	if first := none.headerLines()[0]; strings.Contains(first, "data") {
		t.Errorf("header without data branches %q", first)
	}
}
