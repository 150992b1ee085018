package stack

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/crispify/crispify/internal/docker"
	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/queues"
	"github.com/crispify/crispify/internal/workers"
)

// queueWatch follows the stack's RabbitMQ queues (issue 22): every
// sampleEvery while a board or status --watch looks, a queue event per
// queue whose figures changed, and the rows its sickness blames (the
// workers that consume it, or consumed it before, else the broker's) made
// sick with its reason, until it heals. `crispify status` asks for one
// pass (report) without looking.
type queueWatch struct {
	project func() *docker.Project // nil until an apply connected the engine
	workers func() queues.Workers
	stream  *stream
	every   time.Duration
	looking *looker

	mu      sync.Mutex // one pass at a time: the loop's, a status request's
	brokers map[string]*queues.Broker
	shown   map[string]event.QueueState // what was emitted, by event name
	marks   map[item]mark               // rows made sick by queues
	latest  []event.QueueState
	readAt  time.Time // of latest
}

// mark is a row made sick by queues: its event before, given back when
// they heal, and the reason it was given.
type mark struct {
	before event.Event
	reason string
}

func newQueueWatch(s *Supervisor) *queueWatch {
	w := &queueWatch{
		project: func() *docker.Project {
			s.mu.Lock()
			defer s.mu.Unlock()
			if s.keeper == nil {
				return nil
			}
			return s.keeper.Project(s.latest, false)
		},
		workers: func() queues.Workers { return workersOf(s.workers.Status(), s.manifest().ServiceNames()) },
		stream:  s.stream, every: sampleEvery,
		brokers: map[string]*queues.Broker{}, shown: map[string]event.QueueState{}, marks: map[item]mark{},
	}
	w.looking = &looker{run: w.run}
	return w
}

// workersOf maps each worker process's pid (its group's id) to its
// worker, and names every service.
func workersOf(list []workers.Status, names []string) queues.Workers {
	w := queues.Workers{Leaders: map[int]string{}, Names: names}
	for _, st := range list {
		for _, pid := range st.PIDs {
			w.Leaders[pid] = st.Name
		}
	}
	return w
}

// look says someone looks until the returned func is called.
func (w *queueWatch) look() (done func()) { return w.looking.look() }

// close stops the loop, whoever looks.
func (w *queueWatch) close() { w.looking.close() }

// run reports every w.every until ctx ends, then gives the rows it made
// sick back and forgets the queues: nobody looks at them any more, and a
// board that comes later should not replay what nobody keeps up to date.
func (w *queueWatch) run(ctx context.Context) {
	defer w.unmarkAll()
	for {
		w.report(ctx, true)
		select {
		case <-ctx.Done():
			return
		case <-time.After(w.every):
		}
	}
}

// report reads every broker of the stack and returns its queues; with emit,
// it also says what changed and marks the rows queues make sick. A broker
// that cannot be read now keeps what was last said of it.
func (w *queueWatch) report(ctx context.Context, emit bool) []event.QueueState {
	w.mu.Lock()
	defer w.mu.Unlock()
	p := w.project()
	if p == nil {
		return nil
	}
	found, err := p.Brokers(ctx)
	if err != nil {
		return w.latest
	}
	stackWorkers := w.workers()
	read := map[string]bool{}
	var all []event.QueueState
	for _, b := range found {
		key := b.Infra + "\x00" + b.ContainerID // a recreated container starts over
		qb := w.brokers[key]
		if qb == nil {
			qb = &queues.Broker{Infra: b.Infra, Place: queues.Place{HostPorts: b.HostPorts, ContainerPort: b.ContainerPort},
				Reader: queues.Reader{Access: queues.Access{Management: b.Management, AMQP: b.AMQP, User: b.User, Pass: b.Pass, Exec: b.Exec}}}
			w.brokers[key] = qb
		}
		states, err := qb.Report(ctx, stackWorkers)
		if err != nil {
			// Not read now: what was said of it stands.
			for _, st := range w.latest {
				if st.Infra == b.Infra {
					all = append(all, st)
				}
			}
			read[b.Infra] = true
			continue
		}
		read[b.Infra] = true
		all = append(all, states...)
	}
	for key := range w.brokers {
		if infra, _, _ := strings.Cut(key, "\x00"); !read[infra] || !slices.ContainsFunc(found, func(b docker.Broker) bool { return key == b.Infra+"\x00"+b.ContainerID }) {
			delete(w.brokers, key)
		}
	}
	w.latest, w.readAt = all, time.Now()
	if emit {
		w.emit(all)
		w.mark(all)
	}
	return all
}

// emit sends a queue event for each queue whose figures changed, and a
// removed one for each gone.
func (w *queueWatch) emit(all []event.QueueState) {
	now := map[string]bool{}
	for _, st := range all {
		name := queues.EventName(st)
		now[name] = true
		if before, ok := w.shown[name]; ok && sameQueue(before, st) {
			continue
		}
		w.shown[name] = st
		st := st
		w.stream.Emit(event.Event{TS: time.Now(), Kind: event.QueueKind, Name: name, Phase: event.Sampled, Msg: st.Reason, Queue: &st})
	}
	for name, st := range w.shown {
		if !now[name] {
			delete(w.shown, name)
			w.stream.Emit(event.Event{TS: time.Now(), Kind: event.QueueKind, Name: name, Phase: event.Removed, Queue: &st})
			w.stream.hub.Forget(event.QueueKind, name) // gone for good: not replayed
		}
	}
}

func sameQueue(a, b event.QueueState) bool {
	return a.Ready == b.Ready && a.Unacked == b.Unacked && a.Consumers == b.Consumers && a.State == b.State && a.Reason == b.Reason &&
		a.RateIn == b.RateIn && a.RateOut == b.RateOut && a.Via == b.Via &&
		slices.Equal(a.Workers, b.Workers) && slices.Equal(a.Blame, b.Blame)
}

// blamed are the rows sick queues blame, each with their reasons.
func blamed(all []event.QueueState) map[item]string {
	want := map[item]string{}
	add := func(it item, reason string) {
		want[it] = joinReasons(want[it], reason)
	}
	for _, st := range all {
		if st.State != event.Sick {
			continue
		}
		if len(st.Blame) == 0 {
			add(item{event.Infra, st.Infra}, st.Reason)
		}
		for _, name := range st.Blame {
			add(item{event.Worker, name}, st.Reason)
		}
	}
	return want
}

func joinReasons(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// mark makes the rows the sick queues blame sick, when they are ready or
// healthy (a row restarting or dead says more of itself), and gives back
// the rows no queue blames any more, when nothing else changed them.
func (w *queueWatch) mark(all []event.QueueState) {
	want := blamed(all)
	for it, reason := range want {
		last, ok := w.stream.hub.Last(it.kind, it.name)
		if !ok {
			continue
		}
		m, marked := w.marks[it]
		switch {
		case marked && last.Phase == event.Sick && last.Msg == m.reason:
			if reason != m.reason {
				w.marks[it] = mark{before: m.before, reason: reason}
				w.sick(last, reason)
			}
		case last.Phase == event.Ready || last.Phase == event.Healthy:
			w.marks[it] = mark{before: last, reason: reason}
			w.sick(last, reason)
		default:
			delete(w.marks, it)
		}
	}
	for it, m := range w.marks {
		if _, still := want[it]; !still {
			w.unmark(it, m)
		}
	}
}

func (w *queueWatch) sick(last event.Event, reason string) {
	last.TS, last.Phase, last.Msg, last.Error = time.Now(), event.Sick, reason, ""
	w.stream.Emit(last)
}

// unmark gives a row its event from before back, unless something else
// changed it since.
func (w *queueWatch) unmark(it item, m mark) {
	delete(w.marks, it)
	if last, ok := w.stream.hub.Last(it.kind, it.name); ok && last.Phase == event.Sick && last.Msg == m.reason {
		back := m.before
		back.TS = time.Now()
		w.stream.Emit(back)
	}
}

func (w *queueWatch) unmarkAll() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for it, m := range w.marks {
		w.unmark(it, m)
	}
	// Figures nobody keeps up to date are not replayed to the next look,
	// whose first pass says them anew.
	for name := range w.shown {
		w.stream.hub.Forget(event.QueueKind, name)
	}
	clear(w.shown)
}
