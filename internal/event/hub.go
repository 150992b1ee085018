package event

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
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
	// subs is replaced whole, under mu, at every change: a line of output
	// reads it without taking mu, which ten chatty workers contended for.
	subs atomic.Pointer[[]*Queue]
	opts []QueueOption // of every subscriber's queue
}

// NewHub returns a hub without subscribers; opts tune their queues (each
// bounded as a Queue is, so that a subscriber that reads nothing, a
// `status --watch` in a paused terminal, never makes the hub's owner grow).
func NewHub(opts ...QueueOption) *Hub {
	return &Hub{state: map[itemKey]Event{}, opts: opts}
}

// Emit records e as its item's state (unless it is a line of output) and
// passes it to every subscriber.
func (h *Hub) Emit(e Event) {
	if e.IsOutput() {
		// No state to record, and not replayed: mu is not needed.
		h.send(e)
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case e.Kind == Stack:
		// A copy: taking e's own address would move every event, lines of
		// output included, to the heap.
		last := e
		h.last = &last
	default:
		k := itemKey{e.Kind, e.Name}
		if _, seen := h.state[k]; !seen {
			h.order = append(h.order, k)
		}
		h.state[k] = e
	}
	h.send(e)
}

// EmitLines passes lines of output to every subscriber, a batch each.
func (h *Hub) EmitLines(lines []Event) {
	if subs := h.subs.Load(); subs != nil {
		for _, q := range *subs {
			q.EmitLines(lines)
		}
	}
}

func (h *Hub) send(e Event) {
	if subs := h.subs.Load(); subs != nil {
		for _, q := range *subs {
			q.Emit(e)
		}
	}
}

// setSubs publishes a new list of subscribers; call it with mu held.
func (h *Hub) setSubs(change func([]*Queue) []*Queue) {
	var old []*Queue
	if p := h.subs.Load(); p != nil {
		old = *p
	}
	subs := change(slices.Clone(old))
	h.subs.Store(&subs)
}

// Subscribe returns a queue that starts with the current state of every
// item and then receives every event, until ctx ends, when it is closed.
func (h *Hub) Subscribe(ctx context.Context) *Queue {
	q := NewQueue(h.opts...)
	h.mu.Lock()
	for _, k := range h.order {
		q.Emit(h.state[k])
	}
	if h.last != nil {
		q.Emit(*h.last)
	}
	h.setSubs(func(subs []*Queue) []*Queue { return append(subs, q) })
	h.mu.Unlock()
	go func() {
		<-ctx.Done()
		h.mu.Lock()
		h.setSubs(func(subs []*Queue) []*Queue { return slices.DeleteFunc(subs, func(s *Queue) bool { return s == q }) })
		h.mu.Unlock()
		q.Close()
	}()
	return q
}

// Close closes every subscriber's queue: the stream has ended.
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if subs := h.subs.Load(); subs != nil {
		for _, q := range *subs {
			q.Close()
		}
	}
	h.subs.Store(nil)
}

// Last is the latest state event of an item, if it had one.
func (h *Hub) Last(kind Kind, name string) (Event, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	e, ok := h.state[itemKey{kind, name}]
	return e, ok
}
