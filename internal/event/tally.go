package event

import (
	"slices"
	"sync"
)

// Tally is a Sink that passes every event on and remembers the last settled
// event of each item: what a summary table and the final counts are made of.
type Tally struct {
	next  Sink
	mu    sync.Mutex
	last  map[itemKey]Event
	order []itemKey
}

// NewTally returns a Tally forwarding to next.
func NewTally(next Sink) *Tally {
	return &Tally{next: next, last: map[itemKey]Event{}}
}

// Emit records e if it settles its item, then passes it on. A line of
// output carries its item's phase but settles nothing: the summary keeps
// the state change before it.
func (t *Tally) Emit(e Event) {
	if e.Phase.Final() && e.Kind != Stack && !e.IsOutput() {
		k := itemKey{e.Kind, e.Name}
		t.mu.Lock()
		if _, seen := t.last[k]; !seen {
			t.order = append(t.order, k)
		}
		t.last[k] = e
		t.mu.Unlock()
	}
	t.next.Emit(e)
}

// Settled returns the last settled event of every item of the given kinds
// (all kinds when none), in the order the items first settled.
func (t *Tally) Settled(kinds ...Kind) []Event {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []Event
	for _, k := range t.order {
		if len(kinds) == 0 || slices.Contains(kinds, k.kind) {
			out = append(out, t.last[k])
		}
	}
	return out
}

// Counts counts the settled items by phase.
func (t *Tally) Counts() map[Phase]int {
	counts := map[Phase]int{}
	for _, e := range t.Settled() {
		counts[e.Phase]++
	}
	return counts
}
