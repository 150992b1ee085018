package queues

import (
	"context"
	"errors"
	"slices"
	"time"
)

// Access is how a broker is reached and as whom (docker.Broker made
// plain for this package).
type Access struct {
	Management string // host:port of the management API, "" when not reachable
	AMQP       string // host:port of the AMQP port, "" when not reachable
	User, Pass string
	Exec       Exec // runs a command in the broker's container; nil when none can
}

// Reader samples one broker, and keeps the sample before for the rates.
// It picks its source at each sample, the cheapest that answers: the
// management API, else rabbitmqctl in the container, else passive
// declares over AMQP of the queues an earlier sample saw. Not safe for
// concurrent use.
type Reader struct {
	Access Access
	prev   Sample
	names  []string // every queue seen, for Passive
	ctlAt  time.Time
	rates  map[Key]Rate
}

// ctlEvery spaces rabbitmqctl's samples: each costs a few seconds of an
// Erlang VM's CPU in the container.
const ctlEvery = 10 * time.Second

// maxNames bounds the queue names kept for passive declares.
const maxNames = 1000

// ErrNoSource says no way to read the broker answered.
var ErrNoSource = errors.New("neither the management API, nor rabbitmqctl, nor AMQP answered")

// Read takes a sample and the rates since the one before. fresh is false
// when the sample is the one before, kept because rabbitmqctl was asked
// less than ctlEvery ago.
func (r *Reader) Read(ctx context.Context) (s Sample, rates map[Key]Rate, fresh bool, err error) {
	a := r.Access
	// Each source in turn, the first that answers: the management API,
	// rabbitmqctl in the container (where the engine can run it), then
	// passive declares over AMQP.
	read := false
	if a.Management != "" {
		s, err = (Management{Addr: a.Management, User: a.User, Pass: a.Pass}).Sample(ctx)
		read = err == nil
	}
	if !read && a.Exec != nil {
		if r.prev.Via == "rabbitmqctl" && time.Since(r.ctlAt) < ctlEvery {
			return r.prev, r.rates, false, nil
		}
		if s, err = (Ctl{Exec: a.Exec}).Sample(ctx); err == nil {
			r.ctlAt = time.Now()
			read = true
		}
	}
	if !read {
		if a.AMQP == "" {
			return Sample{}, nil, false, ErrNoSource
		}
		if s, err = (Passive{Addr: a.AMQP, User: a.User, Pass: a.Pass, Names: r.names}).Sample(ctx); err != nil {
			return Sample{}, nil, false, err
		}
	}
	if s.Via != r.prev.Via {
		r.prev = Sample{} // counters of two sources do not compare
	}
	rates = Rates(r.prev, s)
	r.prev, r.rates = s, rates
	for _, q := range s.Queues {
		if len(r.names) < maxNames && !slices.Contains(r.names, q.Name) {
			r.names = append(r.names, q.Name)
		}
	}
	return s, rates, true, nil
}
