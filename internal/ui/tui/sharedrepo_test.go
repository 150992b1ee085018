package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/crispify/crispify/internal/event"
)

// Services of one repository share one repo row, named by its folder, and
// their worker rows show its git state.
func TestServicesOfOneRepositoryShareItsRow(t *testing.T) {
	opts := Options{Title: "mono", Board: true, NoColor: true,
		Repos: []string{"shop"}, Workers: []string{"orders", "payments"},
		RepoOf: map[string]string{"orders": "shop", "payments": "shop"}}
	m := newTestModel(t, opts, &fakeController{}, 120, 30)
	dirty := event.Git{Branch: "master", Want: "master", Dirty: 1, Untracked: 2}
	feed(m, time.Second,
		event.Event{Kind: event.Repo, Name: "shop", Phase: event.Updated, Msg: "1 new commit", Git: &dirty},
		event.Event{Kind: event.Worker, Name: "orders", Phase: event.Ready, PID: 10},
		event.Event{Kind: event.Worker, Name: "payments", Phase: event.Ready, PID: 11},
	)
	view := ansi.Strip(m.View().Content)
	for _, n := range []string{"orders", "payments"} {
		if line := ansi.Strip(lineOf(t, m, n)); !strings.Contains(line, "master *1 ?2") {
			t.Errorf("worker %s does not show its repo's state: %q", n, line)
		}
	}
	if line := ansi.Strip(lineOf(t, m, "shop")); !strings.Contains(line, "1 new commit") {
		t.Errorf("the shared repo's row: %q", line)
	}
	if got := len(m.order[event.Repo]); got != 1 {
		t.Errorf("%d repo rows, want one (shop):\n%s", got, view)
	}
}
