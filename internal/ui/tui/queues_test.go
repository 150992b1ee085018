package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/crispify/crispify/internal/event"
)

func queueEvent(name string, q event.QueueState) event.Event {
	q.Infra, q.Name = "rabbitmq", name
	if q.State == "" {
		q.State = event.Healthy
	}
	return event.Event{Kind: event.QueueKind, Name: "rabbitmq/" + name, Phase: event.Sampled, Msg: q.Reason, Queue: &q}
}

// The rabbitmq row opens to its queues, the sick first with its reason; a
// queue gone leaves; a queue event makes no row of its own.
func TestQueuesUnderTheBrokersRow(t *testing.T) {
	m := newTestModel(t, testOptions(), &fakeController{}, 160, 60)
	feed(m, 5*time.Minute, finished()...)
	feed(m, 5*time.Minute+time.Second,
		queueEvent("emails", event.QueueState{Ready: 3, Unacked: 1, Consumers: 2, Workers: []string{"mailer"}, RateIn: 12, RateOut: 11.5}),
		queueEvent("orders-to-pay", event.QueueState{Ready: 1204, State: event.Sick, Reason: "orders-to-pay 1,204 ready, 0 consumers: payments is not consuming"}),
		queueEvent("gone", event.QueueState{}))
	gone := queueEvent("gone", event.QueueState{})
	gone.Phase = event.Removed
	feed(m, 5*time.Minute+2*time.Second, gone)
	lines := strings.Split(m.View().Content, "\n")
	at := func(s string) int {
		for i, l := range lines {
			if strings.Contains(l, s) {
				return i
			}
		}
		return -1
	}
	broker, sick, fine := at(" rabbitmq "), at("⇢ orders-to-pay 1,204 ready, 0 consumers: payments is not consuming"), at("⇢ emails  3 ready  1 unacked  2 consumers (mailer)  in 12.0/s out 11.5/s")
	if broker < 0 || sick != broker+1 || fine != broker+2 {
		t.Errorf("rabbitmq at line %d, the sick queue at %d, the other at %d; want them right under it, the sick first:\n%s", broker, sick, fine, m.View().Content)
	}
	if at("⇢ gone") >= 0 {
		t.Error("a removed queue is still shown")
	}
	if _, ok := m.items[itemKey{event.QueueKind, "rabbitmq/emails"}]; ok {
		t.Error("a queue event made a row of its own")
	}
}

func TestQueueLinesBounded(t *testing.T) {
	m := newTestModel(t, testOptions(), &fakeController{}, 160, 60)
	feed(m, 5*time.Minute, finished()...)
	var evs []event.Event
	for i := range 12 {
		evs = append(evs, queueEvent(string(rune('a'+i))+"-queue", event.QueueState{Ready: i}))
	}
	feed(m, 5*time.Minute+time.Second, evs...)
	if v := m.View().Content; strings.Count(v, "⇢") != maxQueueLines+1 || !strings.Contains(v, "⇢ 4 more queues") {
		t.Errorf("12 queues: want %d lines and a count of the rest:\n%s", maxQueueLines, v)
	}
}

func TestCount(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1204: "1,204", 1234567: "1,234,567", -1204: "-1,204"} {
		if got := count(n); got != want {
			t.Errorf("count(%d) = %q, want %q", n, got, want)
		}
	}
}
