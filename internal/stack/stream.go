package stack

import (
	"slices"
	"sync"
	"sync/atomic"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/workers"
)

// stream is the sink every part of a supervisor reports to: the hub keeps
// every item's state for boards that attach later, and each apply under way
// gets the events of its own items through a tap.
type stream struct {
	hub *event.Hub
	// stamp adds what the stack knows of an item to its state events
	// (how a worker is watched), so that a board that attaches later
	// replays it too; nil for none.
	stamp func(event.Event) event.Event
	mu    sync.Mutex             // guards changes to taps
	taps  atomic.Pointer[[]*tap] // read per event without the lock: a line of output is hot
}

func newStream(stateDir string) *stream {
	return &stream{hub: event.NewHub(logFileOption(stateDir))}
}

// logFileOption names a worker's log in the marker of lines a slow reader
// skipped: they are all there.
func logFileOption(stateDir string) event.QueueOption {
	return event.WithLogFile(func(name string) string { return workers.LogPath(stateDir, name) })
}

func (s *stream) Emit(e event.Event) {
	if s.stamp != nil && !e.IsOutput() {
		e = s.stamp(e)
	}
	s.hub.Emit(e)
	if taps := s.taps.Load(); taps != nil {
		for _, t := range *taps {
			t.Emit(e)
		}
	}
}

// EmitLines passes lines of output on, a batch to the hub.
func (s *stream) EmitLines(lines []event.Event) {
	s.hub.EmitLines(lines)
	if taps := s.taps.Load(); taps != nil {
		for _, t := range *taps {
			for _, e := range lines {
				t.Emit(e)
			}
		}
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
	s.change(func(taps []*tap) []*tap { return append(taps, t) })
	return t, func() {
		s.change(func(taps []*tap) []*tap {
			return slices.DeleteFunc(taps, func(x *tap) bool { return x == t })
		})
	}
}

// change replaces the taps with what fn makes of a copy of them.
func (s *stream) change(fn func([]*tap) []*tap) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var now []*tap
	if p := s.taps.Load(); p != nil {
		now = slices.Clone(*p)
	}
	next := fn(now)
	s.taps.Store(&next)
}
