package stack

import (
	"sync"

	"github.com/crispify/crispify/internal/event"
)

// stream is the sink every part of a supervisor reports to: the hub keeps
// every item's state for boards that attach later, and each apply under way
// gets the events of its own items through a tap.
type stream struct {
	hub *event.Hub
	// stamp adds what the stack knows of an item to its state events
	// (how a worker is watched), so that a board that attaches later
	// replays it too; nil for none.
	stamp func(*event.Event)
	mu    sync.Mutex
	taps  map[*tap]struct{}
}

func newStream() *stream {
	return &stream{hub: event.NewHub(), taps: map[*tap]struct{}{}}
}

func (s *stream) Emit(e event.Event) {
	if s.stamp != nil && !e.IsOutput() {
		s.stamp(&e)
	}
	s.hub.Emit(e)
	s.mu.Lock()
	defer s.mu.Unlock()
	for t := range s.taps {
		t.Emit(e)
	}
}

// tap follows the items of one apply: it passes their events on and keeps
// the last settled one of each, the apply's summary.
type tap struct {
	items map[item]bool
	tally *event.Tally
}

type item struct {
	kind event.Kind
	name string
}

func (t *tap) Emit(e event.Event) {
	if e.Kind == event.Stack || t.items[item{e.Kind, e.Name}] {
		t.tally.Emit(e)
	}
}

// open adds a tap on items passing to next; close it with the func.
func (s *stream) open(items map[item]bool, next event.Sink) (*tap, func()) {
	t := &tap{items: items, tally: event.NewTally(next)}
	s.mu.Lock()
	s.taps[t] = struct{}{}
	s.mu.Unlock()
	return t, func() {
		s.mu.Lock()
		delete(s.taps, t)
		s.mu.Unlock()
	}
}
