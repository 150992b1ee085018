package event

import (
	"context"
	"sync"
)

// Hub is a Sink that fans events out to any number of subscribers, each
// with a Queue of its own so that a slow one never holds up the engine or
// the others, and that replays to a new subscriber the current state of
// every item: the board of `crispify status --watch` and a `crispify -d`
// that attaches to its daemon start from the whole picture.
type Hub struct {
	mu    sync.Mutex
	state map[itemKey]Event
	order []itemKey
	last  *Event // the latest stack event, replayed last
	subs  map[*Queue]struct{}
}

// NewHub returns a hub without subscribers.
func NewHub() *Hub {
	return &Hub{state: map[itemKey]Event{}, subs: map[*Queue]struct{}{}}
}

// Emit records e as its item's state (unless it is a line of output) and
// passes it to every subscriber.
func (h *Hub) Emit(e Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case e.Kind == Stack:
		h.last = &e
	case !e.IsOutput():
		k := itemKey{e.Kind, e.Name}
		if _, seen := h.state[k]; !seen {
			h.order = append(h.order, k)
		}
		h.state[k] = e
	}
	for q := range h.subs {
		q.Emit(e)
	}
}

// Subscribe returns a queue that starts with the current state of every
// item and then receives every event, until ctx ends, when it is closed.
func (h *Hub) Subscribe(ctx context.Context) *Queue {
	q := NewQueue()
	h.mu.Lock()
	for _, k := range h.order {
		q.Emit(h.state[k])
	}
	if h.last != nil {
		q.Emit(*h.last)
	}
	h.subs[q] = struct{}{}
	h.mu.Unlock()
	go func() {
		<-ctx.Done()
		h.mu.Lock()
		delete(h.subs, q)
		h.mu.Unlock()
		q.Close()
	}()
	return q
}

// Close closes every subscriber's queue: the stream has ended.
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for q := range h.subs {
		q.Close()
		delete(h.subs, q)
	}
}

// Last is the latest state event of an item, if it had one.
func (h *Hub) Last(kind Kind, name string) (Event, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	e, ok := h.state[itemKey{kind, name}]
	return e, ok
}
