package stack

import (
	"testing"
	"time"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/workers"
)

// status --watch replays each worker's last event, stamped when it was
// sent: an apply that left api alone a minute ago made a worker up for an
// hour read `up 1m`. The replay is dated from when the supervisor says the
// state began; live events, and a replay whose state moved on, pass as
// they are.
func TestStatusWatchDatesWorkersFromTheirStart(t *testing.T) {
	now := time.Date(2026, 11, 22, 11, 0, 0, 0, time.UTC)
	upSince := now.Add(-time.Hour)
	status := []workers.Status{
		{Name: "api", State: event.Ready, Since: upSince},
		{Name: "mailer", State: event.Ready, Since: upSince},
	}
	var got []event.Event
	emit := DatedReplay(status, func(e event.Event) { got = append(got, e) })
	emit(event.Event{TS: now.Add(-time.Minute), Kind: event.Worker, Name: "api", Phase: event.Ready, Msg: "unchanged"})
	emit(event.Event{TS: now.Add(-time.Minute), Kind: event.Worker, Name: "mailer", Phase: event.Restarting}) // moved on since
	emit(event.Event{TS: now, Kind: event.Worker, Name: "api", Phase: event.Ready, Line: "GET /health"})
	emit(event.Event{TS: now, Kind: event.Worker, Name: "api", Phase: event.Ready, Msg: "watched"}) // live
	emit(event.Event{TS: now, Kind: event.Infra, Name: "api", Phase: event.Healthy})

	if !got[0].Since.Equal(upSince) {
		t.Errorf("api's replayed state dates from %v, want %v (when it came up)", got[0].Since, upSince)
	}
	for i, e := range got[1:] {
		if !e.Since.IsZero() {
			t.Errorf("event %d (%s %s %s) was dated: %v", i+1, e.Kind, e.Name, e.Phase, e.Since)
		}
	}
}
