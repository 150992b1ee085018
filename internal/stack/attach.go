package stack

import (
	"context"
	"maps"
	"sync"

	"github.com/crispify/crispify/internal/docker"
	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/manifest"
)

// A board shows a stack from its supervisor's events. When the supervisor
// stops because decrispify in another terminal asked it to, decrispify
// takes the containers down next, after the supervisor is gone: the board
// then follows them from the engine itself (each one dead, then removed)
// until every one is gone, so that it never shows healthy what was
// removed.

// Attach calls emit with the events of the stack c supervises (the state
// of every item, then each change) until ctx ends; once the supervisor has
// stopped, with the changes of the stack's containers, until every one is
// gone (see followTeardown). It is what `status --watch` shows.
func (st *Stack) Attach(ctx context.Context, c *Client, emit func(event.Event)) error {
	rows := newInfraRows(event.SinkFunc(c.datedReplay(ctx, emit)))
	if err := c.Events(ctx, rows.Emit); err != nil {
		return err
	}
	st.followTeardown(ctx, rows)
	return nil
}

// datedReplay dates the replayed state of each worker from when the
// supervisor says that state began (DatedReplay); live events pass as
// they are. Without the supervisor's status, the events keep their own
// stamps.
func (c *Client) datedReplay(ctx context.Context, emit func(event.Event)) func(event.Event) {
	status, _ := c.Status(ctx)
	return DatedReplay(status, emit)
}

// feed is what the board of a foreground crispify reads: the supervisor's
// events, then (End) the teardown that decrispify from another terminal
// does once the supervisor stopped.
type feed struct {
	st   *Stack
	q    *event.Queue
	rows *infraRows
	fed  chan struct{} // closed when the supervisor's stream has ended
}

// feed returns the supervisor's events for a board in its own terminal.
func (s *Supervisor) feed() *feed {
	b := &feed{st: s.st, q: s.st.Queue(), fed: make(chan struct{})}
	b.rows = newInfraRows(b.q)
	sub := s.Events(context.Background())
	go func() {
		defer close(b.fed)
		sub.Drain(b.rows.Emit)
	}()
	return b
}

// Queue is what the board reads.
func (b *feed) Queue() *event.Queue { return b.q }

// End waits, once the supervisor has shut down, until its last events are
// on the board. With teardown (decrispify in another terminal stopped it)
// it then shows the containers going as decrispify takes them down, until
// every one is gone or quit is closed (the board was closed).
func (b *feed) End(teardown bool, quit <-chan struct{}) {
	<-b.fed
	if !teardown {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-quit:
			cancel()
		case <-ctx.Done():
		}
	}()
	b.st.followTeardown(ctx, b.rows)
}

// followTeardown follows the stack's containers from the engine, telling
// rows' sink what changes from what the rows show, until every container
// is gone or ctx ends. It starts nothing: the stack has no supervisor.
func (st *Stack) followTeardown(ctx context.Context, rows *infraRows) {
	if len(st.Manifest.Infra) == 0 || ctx.Err() != nil {
		return
	}
	engine, ep, err := st.Connect(ctx)
	if err != nil {
		return // the rows stay as the supervisor left them
	}
	k := docker.NewKeeper(ctx, docker.KeeperOptions{
		Engine: engine, Manifest: func() *manifest.Manifest { return st.Manifest }, Sink: rows.sink, Local: ep.Local(),
		Watch: true, EndWhenGone: true, Shown: rows.shown(),
	})
	k.Start()
	defer k.Close()
	select {
	case <-k.Gone():
	case <-ctx.Done():
	}
}

// infraRows passes events on to sink, noting what each infra row shows.
type infraRows struct {
	sink event.Sink

	mu   sync.Mutex
	last map[string]event.Phase
}

func newInfraRows(sink event.Sink) *infraRows {
	return &infraRows{sink: sink, last: map[string]event.Phase{}}
}

func (r *infraRows) Emit(e event.Event) {
	if e.Kind == event.Infra && !e.IsOutput() && e.Name != "" {
		r.mu.Lock()
		r.last[e.Name] = e.Phase
		r.mu.Unlock()
	}
	r.sink.Emit(e)
}

func (r *infraRows) shown() map[string]event.Phase {
	r.mu.Lock()
	defer r.mu.Unlock()
	return maps.Clone(r.last)
}
