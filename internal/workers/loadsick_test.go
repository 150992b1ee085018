package workers

import (
	"testing"
	"time"

	"github.com/crispify/crispify/internal/event"
)

// A ready worker sick by its load reads sick with the reason, and ready
// again once its load is back; a worker that is not ready is not shaded.
func TestSickByLoad(t *testing.T) {
	t.Parallel()
	s, rec := newSupervisor(t)
	if err := s.Start(ctxFor(t, 20*time.Second), Spec{Name: "api", Command: workerCmd()}); err != nil {
		t.Fatal(err)
	}
	s.SickByLoad("api", "CPU 97% for 6s")
	sick := rec.waitFor(t, 5*time.Second, "sick", phase("api", event.Sick))
	if sick.Msg != "sick: CPU 97% for 6s" {
		t.Errorf("sick event: %+v", sick)
	}
	if st := s.Status()[0]; st.State != event.Sick || st.Detail != "sick: CPU 97% for 6s" {
		t.Errorf("status: %+v", st)
	}
	s.SickByLoad("api", "CPU 97% for 6s") // the same again: nothing new
	s.SickByLoad("api", "")
	ready := rec.waitFor(t, 5*time.Second, "ready again", func(e event.Event) bool {
		return phase("api", event.Ready)(e) && e.TS.After(sick.TS)
	})
	if ready.Msg == "" {
		t.Errorf("ready again without a word: %+v", ready)
	}
	s.SickByLoad("nobody", "CPU 200% for 6s") // not supervised: nothing
}
