package event

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Queue is a Sink that never blocks the engine: Emit appends under a mutex
// and returns, and a reader drains batches at its own pace. While an item's
// progress events wait unread, a newer one of the same phase replaces the
// older, so a slow renderer sees fewer progress updates but every state
// change and every final event, in order.
//
// Output lines wait too, but not without bound: a renderer that reads
// nothing (a paused terminal, a pager, a stderr nobody drains) must not
// make crispify hold every line a worker writes. Past the item's limit the
// oldest pending line goes, and one marker line per item, where the first
// skipped line was, says how many went and where they all are: the log
// files keep everything.
type Queue struct {
	mu sync.Mutex
	// pending holds the unread events in order; an output line dropped
	// meanwhile leaves a hole, marked in dead (made at the first hole) and
	// compacted away when holes abound.
	pending []Event
	dead    []bool
	holes   int
	// latest points at the pending, not yet final event of each item, the
	// only one a newer event of the same phase may replace.
	latest map[itemKey]int
	output map[itemKey]*pendingOutput
	// last is the item of the latest line: the next is most often its too,
	// and needs no map lookup.
	lastKey itemKey
	lastOut *pendingOutput
	closed  bool
	wake    chan struct{}
	now     func() time.Time
	opts    queueOptions
}

// pendingOutput is what an item has of output in pending.
type pendingOutput struct {
	lines   []int // positions of its output lines, oldest first
	bytes   int
	marker  int // position of its "lines skipped" marker; -1 for none
	skipped int
}

type itemKey struct {
	kind Kind
	name string
}

// Defaults of the output an item may have pending: a screen's worth many
// times over, and little memory even for forty workers.
const (
	DefaultOutputLines = 1000
	DefaultOutputBytes = 256 << 10
)

type queueOptions struct {
	lines, bytes int
	logFile      func(name string) string
}

// QueueOption tunes a Queue (and the queues of a Hub's subscribers).
type QueueOption func(*queueOptions)

// WithOutputLimit sets how many lines, and bytes, of output an item may have
// pending before its oldest lines are skipped.
func WithOutputLimit(lines, bytes int) QueueOption {
	return func(o *queueOptions) { o.lines, o.bytes = max(lines, 1), max(bytes, 1) }
}

// WithLogFile names the log file of an item's output, for the marker of
// skipped lines; without it the marker points at `crispify logs NAME`.
func WithLogFile(path func(name string) string) QueueOption {
	return func(o *queueOptions) { o.logFile = path }
}

// NewQueue returns an empty, open queue.
func NewQueue(opts ...QueueOption) *Queue {
	o := queueOptions{lines: DefaultOutputLines, bytes: DefaultOutputBytes}
	for _, opt := range opts {
		opt(&o)
	}
	return &Queue{latest: map[itemKey]int{}, output: map[itemKey]*pendingOutput{}, wake: make(chan struct{}, 1), now: time.Now, opts: o}
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
	if e.IsOutput() {
		q.addOutput(key, e)
		q.mu.Unlock()
		q.signal()
		return
	}
	switch i, ok := q.latest[key]; {
	case ok && q.pending[i].Phase == e.Phase && !e.Phase.Final():
		q.pending[i] = e
	default:
		q.push(e)
		if e.Phase.Final() {
			delete(q.latest, key)
		} else {
			q.latest[key] = len(q.pending) - 1
		}
	}
	q.mu.Unlock()
	q.signal()
}

// EmitLines queues lines of output, as Emit does each, under one lock.
func (q *Queue) EmitLines(lines []Event) {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return
	}
	for _, e := range lines {
		if e.TS.IsZero() {
			e.TS = q.now()
		}
		q.addOutput(itemKey{e.Kind, e.Name}, e)
	}
	q.mu.Unlock()
	q.signal()
}

// addOutput queues a line of output and, past the item's limit, skips its
// oldest pending line into the item's marker.
func (q *Queue) addOutput(key itemKey, e Event) {
	out := q.lastOut
	if out == nil || key != q.lastKey {
		out = q.output[key]
		if out == nil {
			out = &pendingOutput{marker: -1}
			q.output[key] = out
		}
		q.lastKey, q.lastOut = key, out
	}
	q.push(e)
	out.lines = append(out.lines, len(q.pending)-1)
	out.bytes += len(e.Line)
	for len(out.lines) > 1 && (len(out.lines) > q.opts.lines || out.bytes > q.opts.bytes) {
		oldest := out.lines[0]
		out.lines = out.lines[1:]
		out.bytes -= len(q.pending[oldest].Line)
		out.skipped++
		if out.marker < 0 {
			out.marker = oldest // the marker takes the place of the first line skipped
		} else {
			q.hole(oldest)
		}
	}
	if q.holes > 1024 && q.holes > len(q.pending)/2 {
		q.compact()
	}
}

// push appends e to pending.
func (q *Queue) push(e Event) {
	q.pending = append(q.pending, e)
	if q.dead != nil {
		q.dead = append(q.dead, false)
	}
}

// hole drops the pending event at i, keeping the others' positions.
func (q *Queue) hole(i int) {
	if q.dead == nil {
		q.dead = make([]bool, len(q.pending), cap(q.pending))
	}
	q.pending[i], q.dead[i] = Event{}, true // the line can be collected
	q.holes++
}

func (q *Queue) markerText(name string, skipped int) string {
	where := "its log: crispify logs " + name
	if q.opts.logFile != nil {
		where = q.opts.logFile(name)
	}
	noun := "lines"
	if skipped == 1 {
		noun = "line"
	}
	return fmt.Sprintf("… %d %s skipped (all in %s)", skipped, noun, where)
}

// compact drops the holes of pending, moving the positions that point
// into it along.
func (q *Queue) compact() {
	moved := make([]int, len(q.pending))
	kept := q.pending[:0]
	for i, e := range q.pending {
		moved[i] = len(kept)
		if !q.dead[i] {
			kept = append(kept, e)
		}
	}
	clear(q.pending[len(kept):])
	q.pending, q.dead, q.holes = kept, nil, 0
	for k, i := range q.latest {
		q.latest[k] = moved[i]
	}
	for _, out := range q.output {
		for j, i := range out.lines {
			out.lines[j] = moved[i]
		}
		if out.marker >= 0 {
			out.marker = moved[out.marker]
		}
	}
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
		batch, dead, closed := q.pending, q.dead, q.closed
		if len(batch) > 0 {
			// Markers are written once, when read, not at every line skipped.
			for key, out := range q.output {
				if out.marker >= 0 {
					batch[out.marker].Line = q.markerText(key.name, out.skipped)
				}
			}
			// The next batch is likely as long: no regrowing it line by line.
			q.pending, q.dead, q.holes = make([]Event, 0, min(len(batch), 4096)), nil, 0
			clear(q.latest)
			clear(q.output)
			q.lastOut = nil
		}
		q.mu.Unlock()
		if len(batch) > 0 {
			if dead != nil {
				kept := batch[:0]
				for i, e := range batch {
					if !dead[i] {
						kept = append(kept, e)
					}
				}
				batch = kept
			}
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
