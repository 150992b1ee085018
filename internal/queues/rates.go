package queues

// Rate is a queue's messages per second in (published) and out
// (delivered).
type Rate struct {
	In, Out float64
}

// Rates are each queue's rates, by vhost and name: the broker's own where
// it says them (the management API), else from the sample before (prev)
// to now (cur): from the counters where there are some, else from the net
// change of the messages held (rabbitmqctl, AMQP), growth counting as in,
// shrinking as out. A queue new in cur, or a zero interval, has no rate
// yet.
func Rates(prev, cur Sample) map[Key]Rate {
	out := map[Key]Rate{}
	for _, q := range cur.Queues {
		if q.Rate != nil {
			out[KeyOf(q)] = *q.Rate
		}
	}
	dt := cur.At.Sub(prev.At).Seconds()
	if prev.At.IsZero() || dt <= 0 {
		return out
	}
	before := map[Key]Queue{}
	for _, q := range prev.Queues {
		before[KeyOf(q)] = q
	}
	for _, q := range cur.Queues {
		p, ok := before[KeyOf(q)]
		if !ok || q.Rate != nil {
			continue
		}
		var r Rate
		if q.Published >= 0 && p.Published >= 0 {
			// A queue deleted and declared again starts its counters at 0.
			r.In = max(0, float64(q.Published-p.Published)/dt)
			r.Out = max(0, float64(q.Delivered-p.Delivered)/dt)
		} else {
			net := float64(q.Ready+q.Unacked-p.Ready-p.Unacked) / dt
			r.In, r.Out = max(0, net), max(0, -net)
		}
		out[KeyOf(q)] = r
	}
	return out
}

// Key names a queue on a broker: its vhost and name.
type Key struct{ Vhost, Name string }

// KeyOf is q's key.
func KeyOf(q Queue) Key { return Key{q.Vhost, q.Name} }
