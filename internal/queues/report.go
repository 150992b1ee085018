package queues

import (
	"cmp"
	"context"
	"slices"

	"github.com/crispify/crispify/internal/event"
)

// Broker follows one broker: each Report reads it, names the workers
// behind its consumers and judges its queues, remembering what it saw.
// Not safe for concurrent use.
type Broker struct {
	Infra  string
	Reader Reader
	Place  Place
	Proc   string // where /proc is; "" is /proc
	judge  Judge
	last   []event.QueueState
}

// Report reads the broker and says of each queue its figures, its
// consumer workers and its health. A sample kept from before (rabbitmqctl
// is read every ctlEvery) is not judged again: its consumers are of then,
// and this machine's connections of now.
func (b *Broker) Report(ctx context.Context, workers Workers) ([]event.QueueState, error) {
	s, rates, fresh, err := b.Reader.Read(ctx)
	if err != nil {
		return nil, err
	}
	if !fresh && b.last != nil {
		return b.last, nil
	}
	proc := b.Proc
	if proc == "" {
		proc = "/proc"
	}
	at := Attribute(proc, s, b.Place, workers)
	byQueue := map[Key][]string{}
	for i, c := range s.Consumers {
		k := Key{c.Vhost, c.Queue}
		for _, w := range at.Consumers[i] {
			if !slices.Contains(byQueue[k], w) {
				byQueue[k] = append(byQueue[k], w)
			}
		}
	}
	verdicts := b.judge.Judge(s, byQueue)
	out := make([]event.QueueState, 0, len(s.Queues))
	for _, q := range s.Queues {
		k := KeyOf(q)
		w := byQueue[k]
		slices.Sort(w)
		v := verdicts[k]
		st := event.QueueState{Infra: b.Infra, Name: q.Name, Vhost: q.Vhost, Ready: q.Ready, Unacked: q.Unacked, Consumers: q.Consumers,
			RateIn: rates[k].In, RateOut: rates[k].Out, Workers: nonNil(w), State: event.Healthy, Blame: nonNil(v.Blame), Via: s.Via}
		if v.Sick {
			st.State, st.Reason = event.Sick, v.Reason
		}
		out = append(out, st)
	}
	slices.SortFunc(out, func(a, b event.QueueState) int { return cmp.Compare(a.Vhost+"\x00"+a.Name, b.Vhost+"\x00"+b.Name) })
	b.last = out
	return out, nil
}

// EventName is a queue event's name: "<infra>/<queue>", the vhost between
// them when it is not "/".
func EventName(q event.QueueState) string {
	if q.Vhost == "" || q.Vhost == "/" {
		return q.Infra + "/" + q.Name
	}
	return q.Infra + "/" + q.Vhost + "/" + q.Name
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
