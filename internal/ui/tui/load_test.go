package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/crispify/crispify/internal/event"
)

// Load events put CPU and memory on the rows of what runs, and the totals
// and the free memory in the header; a row that is down shows none.
func TestLoadOnRowsAndHeader(t *testing.T) {
	m := newTestModel(t, testOptions(), &fakeController{}, 160, 48)
	feed(m, 5*time.Minute, finished()...)
	machine := event.LoadOf(event.Machine, "", 141.5, 3<<30)
	free := uint64(5 << 30)
	machine.Free = &free
	feed(m, 5*time.Minute+time.Second,
		event.LoadOf(event.Worker, "api", 97.4, 140<<20),
		event.LoadOf(event.Worker, "billing", 3, 10<<20), // failed: no figures shown
		event.LoadOf(event.Infra, "rabbitmq", 4.25, 1536<<20),
		event.LoadOf(event.Worker, "unknown", 1, 1), // no row of its own
		machine)
	row := func(name string) string {
		for _, l := range strings.Split(m.View().Content, "\n") {
			if strings.Contains(l, " "+name+" ") {
				return l
			}
		}
		return ""
	}
	if r := row("api"); !strings.Contains(r, "97% 140M") {
		t.Errorf("api's row: %q", r)
	}
	if r := row("rabbitmq"); !strings.Contains(r, "4.2% 1.5G") {
		t.Errorf("rabbitmq's row: %q", r)
	}
	if r := row("billing"); strings.Contains(r, "10M") {
		t.Errorf("billing failed, yet shows figures: %q", r)
	}
	if _, ok := m.items[itemKey{event.Worker, "unknown"}]; ok {
		t.Error("a load event made a row")
	}
	if h := strings.Join(m.headerLines(), "\n"); !strings.Contains(h, "cpu 142% · mem 3.0G · 5.0G free") {
		t.Errorf("header:\n%s", h)
	}
}
