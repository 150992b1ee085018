package stack

import (
	"strings"
	"testing"

	"github.com/crispify/crispify/internal/event"
)

// A sick queue makes the workers it blames sick with its reason, or its
// broker's row when it blames none; the rows come back as they were once
// it heals, unless something else changed them meanwhile.
func TestQueueWatchMarks(t *testing.T) {
	s := newStream(t.TempDir())
	w := &queueWatch{stream: s, marks: map[item]mark{}, shown: map[string]event.QueueState{}}
	s.Emit(event.Event{Kind: event.Worker, Name: "payments", Phase: event.Ready, PID: 42, Msg: "ready: port 8080"})
	s.Emit(event.Event{Kind: event.Worker, Name: "mailer", Phase: event.Restarting})
	s.Emit(event.Event{Kind: event.Infra, Name: "rabbitmq", Phase: event.Healthy})
	phase := func(k event.Kind, name string) (event.Phase, string) {
		e, _ := s.hub.Last(k, name)
		return e.Phase, e.Msg
	}
	orders := event.QueueState{Infra: "rabbitmq", Name: "orders-to-pay", State: event.Sick, Reason: "orders-to-pay 1,204 ready, 0 consumers: payments is not consuming", Blame: []string{"payments", "mailer"}}
	stray := event.QueueState{Infra: "rabbitmq", Name: "stray", State: event.Sick, Reason: "stray 5 ready, 0 consumers: no worker consumes it", Blame: []string{}}
	w.mark([]event.QueueState{orders, stray})
	if p, msg := phase(event.Worker, "payments"); p != event.Sick || msg != orders.Reason {
		t.Errorf("payments: %s %q, want sick with the queue's reason", p, msg)
	}
	if p, _ := phase(event.Worker, "mailer"); p != event.Restarting {
		t.Errorf("mailer, restarting, was made %s", p)
	}
	if p, msg := phase(event.Infra, "rabbitmq"); p != event.Sick || msg != stray.Reason {
		t.Errorf("rabbitmq: %s %q, want sick for the queue nobody consumes", p, msg)
	}
	w.mark([]event.QueueState{orders, stray}) // the same again: no new event
	if e, _ := s.hub.Last(event.Worker, "payments"); e.PID != 42 {
		t.Errorf("payments's event lost its pid: %+v", e)
	}
	// The stray queue heals; rabbitmq, changed meanwhile, stays as it is.
	s.Emit(event.Event{Kind: event.Infra, Name: "rabbitmq", Phase: event.Dead, Msg: "exited with code 137"})
	orders.State, orders.Reason, orders.Blame = event.Healthy, "", []string{}
	w.mark([]event.QueueState{orders})
	if p, msg := phase(event.Worker, "payments"); p != event.Ready || msg != "ready: port 8080" {
		t.Errorf("payments after the queue healed: %s %q, want its ready event back", p, msg)
	}
	if p, _ := phase(event.Infra, "rabbitmq"); p != event.Dead {
		t.Errorf("rabbitmq, dead since, was made %s", p)
	}
	if len(w.marks) != 0 {
		t.Errorf("marks left: %v", w.marks)
	}
}

// Each queue's figures are said when they change, and a queue gone is
// said removed.
func TestQueueWatchEmits(t *testing.T) {
	s := newStream(t.TempDir())
	w := &queueWatch{stream: s, marks: map[item]mark{}, shown: map[string]event.QueueState{}}
	var got []string
	s.hub.Emit(event.Event{Kind: event.Stack, Phase: event.Started}) // the hub's state is what is checked; taps see every event
	_, closeTap := s.open(map[item]bool{{event.QueueKind, "rabbitmq/a"}: true, {event.QueueKind, "rabbitmq/shop/b"}: true},
		event.SinkFunc(func(e event.Event) {
			if e.Kind == event.QueueKind {
				got = append(got, e.Name+" "+string(e.Phase))
			}
		}))
	defer closeTap()
	a := event.QueueState{Infra: "rabbitmq", Name: "a", Ready: 1, Workers: []string{}, Blame: []string{}, State: event.Healthy}
	b := event.QueueState{Infra: "rabbitmq", Name: "b", Vhost: "shop", Workers: []string{}, Blame: []string{}, State: event.Healthy}
	w.emit([]event.QueueState{a, b})
	w.emit([]event.QueueState{a, b}) // nothing changed: nothing said
	a.Ready = 2
	w.emit([]event.QueueState{a})
	want := []string{"rabbitmq/a sampled", "rabbitmq/shop/b sampled", "rabbitmq/a sampled", "rabbitmq/shop/b removed"}
	if strings.Join(got, ", ") != strings.Join(want, ", ") {
		t.Errorf("events %v, want %v", got, want)
	}
	if e, _ := s.hub.Last(event.QueueKind, "rabbitmq/a"); e.Queue == nil || e.Queue.Ready != 2 {
		t.Errorf("the hub's state of queue a: %+v", e)
	}
}
