package event

import (
	"context"
	"sync"
	"time"
)

// Queue is a Sink that never blocks the engine: Emit appends under a mutex
// and returns, and a reader drains batches at its own pace. While an item's
// progress events wait unread, a newer one of the same phase replaces the
// older, so a slow renderer sees fewer progress updates but every state
// change, every final event and every line of output, in order.
type Queue struct {
	mu      sync.Mutex
	pending []Event
	// latest points at the pending, not yet final event of each item, the
	// only one a newer event of the same phase may replace.
	latest map[itemKey]int
	closed bool
	wake   chan struct{}
	now    func() time.Time
}

type itemKey struct {
	kind Kind
	name string
}

// NewQueue returns an empty, open queue.
func NewQueue() *Queue {
	return &Queue{latest: map[itemKey]int{}, wake: make(chan struct{}, 1), now: time.Now}
}

// Emit queues e, stamping its time when unset. Events after Close are dropped.
func (q *Queue) Emit(e Event) {
	if e.TS.IsZero() {
		e.TS = q.now()
	}
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return
	}
	key := itemKey{e.Kind, e.Name}
	if i, ok := q.latest[key]; ok && q.pending[i].Phase == e.Phase && !e.Phase.Final() && !e.IsOutput() {
		q.pending[i] = e
	} else if e.IsOutput() {
		q.pending = append(q.pending, e)
	} else {
		q.pending = append(q.pending, e)
		if e.Phase.Final() {
			delete(q.latest, key)
		} else {
			q.latest[key] = len(q.pending) - 1
		}
	}
	q.mu.Unlock()
	q.signal()
}

// Close ends the stream: the reader gets what is pending, then ok=false.
func (q *Queue) Close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.signal()
}

func (q *Queue) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// Next waits for events and returns all that are pending, oldest first. It
// returns ok=false once the queue is closed and drained, or ctx is done.
func (q *Queue) Next(ctx context.Context) (batch []Event, ok bool) {
	for {
		q.mu.Lock()
		batch, closed := q.pending, q.closed
		if len(batch) > 0 {
			q.pending = nil
			clear(q.latest)
		}
		q.mu.Unlock()
		if len(batch) > 0 {
			return batch, true
		}
		if closed {
			return nil, false
		}
		select {
		case <-q.wake:
		case <-ctx.Done():
			return nil, false
		}
	}
}

// Drain calls render for every event until the queue is closed and empty.
func (q *Queue) Drain(render func(Event)) {
	for {
		batch, ok := q.Next(context.Background())
		if !ok {
			return
		}
		for _, e := range batch {
			render(e)
		}
	}
}
