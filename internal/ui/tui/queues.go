package tui

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/ui"
)

// RabbitMQ's queues open under its row (issue 22): a line per queue, the
// sick first, then the fullest; maxQueueLines at most, the rest counted.
const maxQueueLines = 8

// brokerQueues are each broker's queues by infra, then by event name.
type brokerQueues map[string]map[string]event.QueueState

// applyQueue keeps a queue event's figures under its broker's row, or
// drops a queue gone.
func (m *model) applyQueue(e event.Event) {
	if e.Queue == nil {
		return
	}
	if m.queues == nil {
		m.queues = brokerQueues{}
	}
	infra := e.Queue.Infra
	if e.Phase == event.Removed {
		delete(m.queues[infra], e.Name)
		return
	}
	if m.queues[infra] == nil {
		m.queues[infra] = map[string]event.QueueState{}
	}
	m.queues[infra][e.Name] = *e.Queue
}

// queueRows are the lines under an infra row: its queues, and a line
// counting those left out.
func (m *model) queueRows(it *item, section string) []row {
	if it.kind != event.Infra || len(m.queues[it.name]) == 0 || isDown(it.phase) {
		return nil
	}
	qs := make([]event.QueueState, 0, len(m.queues[it.name]))
	for _, q := range m.queues[it.name] {
		qs = append(qs, q)
	}
	slices.SortFunc(qs, func(a, b event.QueueState) int {
		if (a.State == event.Sick) != (b.State == event.Sick) {
			if a.State == event.Sick {
				return -1
			}
			return 1
		}
		if c := cmp.Compare(b.Ready, a.Ready); c != 0 {
			return c
		}
		return cmp.Compare(a.Name, b.Name)
	})
	var out []row
	for i, q := range qs {
		if i == maxQueueLines {
			out = append(out, row{kind: queueRow, section: section, more: len(qs) - i})
			break
		}
		out = append(out, row{kind: queueRow, section: section, queue: &q})
	}
	return out
}

// queueLine draws a queue's line: "  ⇢ orders  1,204 ready  0 unacked  2
// consumers (payments)  in 12.0/s out 11.5/s", or its reason when sick.
func (m *model) queueLine(r row, paint func(lipgloss.Style, string) string) string {
	st := m.styles
	if r.queue == nil {
		return paint(st.dim, truncate(fmt.Sprintf("    ⇢ %d more queues: `crispify status` lists them", r.more), m.width))
	}
	q := r.queue
	if q.State == event.Sick {
		return paint(st.class[ui.Bad], truncate("    ⇢ "+q.Reason, m.width))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "    ⇢ %s  %s ready  %s unacked  %d consumers", q.Name, count(q.Ready), count(q.Unacked), q.Consumers)
	if len(q.Workers) > 0 {
		b.WriteString(" (" + strings.Join(q.Workers, ", ") + ")")
	}
	fmt.Fprintf(&b, "  in %.1f/s out %.1f/s", q.RateIn, q.RateOut)
	return paint(st.dim, truncate(b.String(), m.width))
}

// count writes n with thousands separators: 1,204.
func count(n int) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && c != '-' && (len(s)-i)%3 == 0 && s[i-1] != '-' {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
