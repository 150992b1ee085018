package queues

import (
	"context"
	"time"
)

// Queue is what a broker says of one queue at one moment.
type Queue struct {
	Name      string
	Vhost     string
	Ready     int
	Unacked   int
	Consumers int
	// Published and Delivered are the broker's counters since the queue
	// began (the management API's message_stats); -1 when the source has
	// none, and the rates then come from the counts (see Rates).
	Published, Delivered int64
	// Rate is the broker's own rate in and out, smoothed over its
	// statistics interval, when it says one (the management API): its
	// counters move only every 5 s, so a rate of two samples 2 s apart
	// would read 0, then two and a half times the truth.
	Rate *Rate
}

// Peer is the far end of a client's connection as the broker sees it.
type Peer struct {
	Host string
	Port int
}

// Consumer is one consumer of a queue and the peer of its connection.
type Consumer struct {
	Queue string
	Vhost string
	Peer  Peer
	// Tag is the consumer tag: amqp091-go's default, ctag-<argv0>-<n>,
	// names the client's program.
	Tag string
}

// Sample is one reading of a broker.
type Sample struct {
	At        time.Time
	Queues    []Queue
	Consumers []Consumer
	// Via says where the figures came from: "management API",
	// "rabbitmqctl" or "AMQP".
	Via string
}

// Source reads a broker.
type Source interface {
	Sample(ctx context.Context) (Sample, error)
}
