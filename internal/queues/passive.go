package queues

import (
	"context"
	"fmt"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// Passive reads the queues it is told of over AMQP, one passive declare
// each: the last resort when neither the management API nor rabbitmqctl
// answers (an image without them). It cannot list queues, nor see who
// consumes: it knows Names only, those an earlier sample saw. Its figures
// are messages ready and consumers; unacknowledged ones it cannot tell.
type Passive struct {
	Addr       string // host:port of the broker's AMQP port, where this machine reaches it
	User, Pass string // the container's own: sent in the AMQP handshake, never in a URL
	Names      []string
}

// Sample declares each name passively; a queue gone is left out.
func (p Passive) Sample(ctx context.Context) (Sample, error) {
	s := Sample{At: time.Now(), Via: "AMQP"}
	if len(p.Names) == 0 {
		return s, nil
	}
	cfg := amqp.Config{
		SASL:       []amqp.Authentication{&amqp.PlainAuth{Username: p.User, Password: p.Pass}},
		Dial:       amqp.DefaultDial(5 * time.Second),
		Properties: amqp.Table{"connection_name": "crispify queues"},
	}
	conn, err := amqp.DialConfig("amqp://"+p.Addr+"/", cfg)
	if err != nil {
		return Sample{}, fmt.Errorf("rabbitmq at %s over AMQP: %w", p.Addr, err)
	}
	defer conn.Close()
	var ch *amqp.Channel
	for _, name := range p.Names {
		if ctx.Err() != nil {
			return Sample{}, ctx.Err()
		}
		// A declare of a queue that is gone closes its channel.
		if ch == nil || ch.IsClosed() {
			if ch, err = conn.Channel(); err != nil {
				return Sample{}, fmt.Errorf("rabbitmq at %s over AMQP: %w", p.Addr, err)
			}
		}
		q, err := ch.QueueDeclarePassive(name, false, false, false, false, nil)
		if err != nil {
			continue
		}
		s.Queues = append(s.Queues, Queue{Name: name, Vhost: "/", Ready: q.Messages, Consumers: q.Consumers, Published: -1, Delivered: -1})
	}
	return s, nil
}
