package stack

import (
	"testing"

	"github.com/crispify/crispify/internal/event"
)

// status's rows: a ready worker a sick queue blames is sick with its
// reason, a stopped one stays stopped, the broker is sick for a queue
// nobody consumes, and each queue has a row.
func TestWithQueues(t *testing.T) {
	rows := []Row{
		{Kind: "infra", Name: "rabbitmq", State: "healthy", Detail: "up 4m"},
		{Kind: "worker", Name: "payments", State: "ready", Detail: "pid 42"},
		{Kind: "worker", Name: "mailer", State: "stopped"},
		{Kind: "worker", Name: "orders", State: "ready", Detail: "pid 43"},
	}
	states := []event.QueueState{
		{Infra: "rabbitmq", Name: "orders-to-pay", Vhost: "/", Ready: 1204, State: event.Sick,
			Reason: "orders-to-pay 1,204 ready, 0 consumers: payments, mailer are not consuming", Blame: []string{"payments", "mailer"}},
		{Infra: "rabbitmq", Name: "stray", Vhost: "/", Ready: 1, State: event.Sick, Reason: "stray 1 ready, 0 consumers: no worker consumes it"},
		{Infra: "rabbitmq", Name: "emails", Vhost: "shop", Ready: 3, Unacked: 1, Consumers: 1, RateIn: 2.5, RateOut: 2, Workers: []string{"orders"}, State: event.Healthy},
	}
	got, ok := withQueues(rows, states)
	if ok {
		t.Error("ok with rows made sick")
	}
	want := []struct{ kind, name, state, detail string }{
		{"infra", "rabbitmq", "sick", "stray 1 ready, 0 consumers: no worker consumes it, up 4m"},
		{"worker", "payments", "sick", "orders-to-pay 1,204 ready, 0 consumers: payments, mailer are not consuming, pid 42"},
		{"worker", "mailer", "stopped", ""},
		{"worker", "orders", "ready", "pid 43"},
		{"queue", "rabbitmq/orders-to-pay", "sick", "orders-to-pay 1,204 ready, 0 consumers: payments, mailer are not consuming"},
		{"queue", "rabbitmq/stray", "sick", "stray 1 ready, 0 consumers: no worker consumes it"},
		{"queue", "rabbitmq/shop/emails", "healthy", "3 ready, 1 unacked, 1 consumer (orders), in 2.5/s, out 2.0/s"},
	}
	if len(got) != len(want) {
		t.Fatalf("%d rows, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		r := got[i]
		if r.Kind != w.kind || r.Name != w.name || r.State != w.state || r.Detail != w.detail {
			t.Errorf("row %d: %s %s %s %q, want %s %s %s %q", i, r.Kind, r.Name, r.State, r.Detail, w.kind, w.name, w.state, w.detail)
		}
	}
	if got[6].Queue == nil || got[6].Queue.Vhost != "shop" {
		t.Errorf("a queue row without its figures: %+v", got[6])
	}
	if _, ok := withQueues(rows[3:], states[2:]); !ok {
		t.Error("not ok with no sick queue")
	}
}
