package event

import "testing"

// A line a worker writes after its restart carries the worker's phase but
// is no outcome: the summary keeps the restart's own event.
func TestTallyKeepsTheStateChangeNotTheOutputAfterIt(t *testing.T) {
	tally := NewTally(Discard)
	tally.Emit(Event{Kind: Worker, Name: "api", Phase: Ready, Msg: "restarted: 3 new commits"})
	tally.Emit(Event{Kind: Worker, Name: "api", Phase: Ready, Line: "listening on :8080"})
	got := tally.Settled(Worker)
	if len(got) != 1 || got[0].Msg != "restarted: 3 new commits" || got[0].Line != "" {
		t.Errorf("settled %+v, want the restart's event", got)
	}
	if c := tally.Counts(); c[Ready] != 1 {
		t.Errorf("counts %v", c)
	}
}
