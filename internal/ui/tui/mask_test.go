package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/crispify/crispify/internal/event"
)

// The log view's headers (the "── phase: msg" lines the board writes for
// each change of state) show commands and URLs masked, whatever sent them.
func TestLogHeadersMaskSecrets(t *testing.T) {
	m := newTestModel(t, testOptions(), &fakeController{}, 120, 30)
	feed(m, time.Second,
		event.Event{Kind: event.Worker, Name: "api", Phase: event.Starting},
		event.Event{Kind: event.Setup, Name: "api", Phase: event.Running, Msg: "DB_PASSWORD=hunter2 ./migrate --token=t0k3n"},
		event.Event{Kind: event.Setup, Name: "api", Phase: event.Failed, Msg: "fetch https://bob:pa55@host/x", Error: "setup api: clone https://bob:pa55@host/x failed"},
	)
	m.sel = itemKey{event.Worker, "api"}
	press(m, "enter")
	view := m.View().Content
	for _, want := range []string{"── setup running: DB_PASSWORD=*** ./migrate --token=***", "https://bob:***@host/x"} {
		if !strings.Contains(view, want) {
			t.Errorf("the log lacks %q:\n%s", want, view)
		}
	}
	for _, secret := range []string{"hunter2", "t0k3n", "pa55"} {
		if strings.Contains(view, secret) {
			t.Errorf("the log shows %q:\n%s", secret, view)
		}
	}
}
