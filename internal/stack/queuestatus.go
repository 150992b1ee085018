package stack

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/queues"
)

// queueReporter is a handler that reads the stack's queues for `crispify
// status`; apart from handler so that a handler need not.
type queueReporter interface {
	queueStates(ctx context.Context) []event.QueueState
}

func (s *Supervisor) queueStates(ctx context.Context) []event.QueueState {
	return s.queues.recent(ctx)
}

// recent is the reading of the loop when it is younger than a tick (a
// status --watch asks every 2 s while its look runs the loop), else a
// reading of now.
func (w *queueWatch) recent(ctx context.Context) []event.QueueState {
	w.mu.Lock()
	latest, at := w.latest, w.readAt
	w.mu.Unlock()
	if !at.IsZero() && time.Since(at) < w.every {
		return latest
	}
	return w.report(ctx, false)
}

// Queues asks the supervisor for the stack's queues, read now. A
// supervisor of a crispify without them answers none.
func (c *Client) Queues(ctx context.Context) ([]event.QueueState, error) {
	ctx, cancel := context.WithTimeout(ctx, dialTimeout+requestTimeout)
	defer cancel()
	resp, err := c.call(ctx, request{Op: opQueues})
	if err != nil {
		return nil, fmt.Errorf("ask the supervisor for the queues: %w", err)
	}
	return resp.Queues, nil
}

// queueRows are the status rows of the stack's queues: from its
// supervisor, which remembers who consumed each, else read here, where
// nothing consumes (no worker runs). The rows the sick ones blame, a
// ready worker or a healthy broker, are made sick with the reason.
func (st *Stack) queueRows(ctx context.Context, rows []Row) ([]Row, bool) {
	if len(st.Manifest.Infra) == 0 {
		return rows, true // no broker to ask for, nor engine to ask
	}
	var states []event.QueueState
	if c, err := st.Dial(ctx); err == nil {
		states, _ = c.Queues(ctx)
	} else if p, err := st.project(ctx, nil); err == nil {
		if found, err := p.Brokers(ctx); err == nil {
			for _, b := range found {
				qb := &queues.Broker{Infra: b.Infra, Place: queues.Place{HostPorts: b.HostPorts, ContainerPort: b.ContainerPort},
					Reader: queues.Reader{Access: queues.Access{Management: b.Management, AMQP: b.AMQP, User: b.User, Pass: b.Pass, Exec: b.Exec}}}
				if s, err := qb.Report(ctx, queues.Workers{Names: st.Manifest.ServiceNames()}); err == nil {
					states = append(states, s...)
				}
			}
		}
	}
	return withQueues(rows, states)
}

// withQueues makes the rows the sick queues blame sick, a ready worker or
// a healthy broker, and adds a row per queue; ok is false when a row was
// made sick.
func withQueues(rows []Row, states []event.QueueState) ([]Row, bool) {
	ok := true
	want := blamed(states)
	for i, r := range rows {
		reason, sick := want[item{event.Kind(r.Kind), r.Name}]
		if sick && (r.State == string(event.Ready) || r.State == string(event.Healthy)) {
			rows[i].State, rows[i].Detail = string(event.Sick), joinNonEmpty(reason, r.Detail)
			ok = false
		}
	}
	for _, q := range states {
		q := q
		rows = append(rows, Row{Kind: string(event.QueueKind), Name: queues.EventName(q), State: string(q.State), Detail: queueDetail(q), Queue: &q})
	}
	return rows, ok
}

// queueDetail is a queue's row: "4 ready, 1 unacked, 1 consumer (payments),
// in 2.5/s, out 2.0/s", or its reason when sick.
func queueDetail(q event.QueueState) string {
	if q.Reason != "" {
		return q.Reason
	}
	d := fmt.Sprintf("%s ready, %s unacked, %s", queues.Count(q.Ready), queues.Count(q.Unacked), plural(q.Consumers, "consumer"))
	if len(q.Workers) > 0 {
		d += " (" + strings.Join(q.Workers, ", ") + ")"
	}
	return d + fmt.Sprintf(", in %.1f/s, out %.1f/s", q.RateIn, q.RateOut)
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return queues.Count(n) + " " + noun + "s"
}
