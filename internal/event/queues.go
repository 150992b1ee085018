package event

// QueueKind is the kind of one RabbitMQ queue's figures, sampled every 2 s
// while a board or `status --watch` looks. Name is "<infra>/<queue>"
// (with the vhost between them when it is not "/"); Queue carries the
// figures. Its phase is Sampled, so that a slow reader gets the latest
// figures, not every sample, or Removed once the queue is gone.
const QueueKind Kind = "queue"

// QueueState is a queue's figures. Every field is always in its JSON,
// zero and empty included (docs/design.md: a field a script reads is
// always present).
type QueueState struct {
	Infra     string  `json:"infra"`
	Name      string  `json:"name"`
	Vhost     string  `json:"vhost"`
	Ready     int     `json:"ready"`
	Unacked   int     `json:"unacked"`
	Consumers int     `json:"consumers"`
	RateIn    float64 `json:"rate_in"`  // messages published per second
	RateOut   float64 `json:"rate_out"` // messages delivered per second
	// Workers are the workers whose connections hold its consumers; when
	// a consumer could be any of several (through a proxy), all of them.
	Workers []string `json:"workers"`
	// State is healthy or sick; Reason says why it is sick
	// ("orders 1,204 ready, 0 consumers: payments is not consuming").
	State  Phase  `json:"state"`
	Reason string `json:"reason"`
	// Blame are the workers its sickness makes sick: those that consume
	// it, else those that consumed it before; none makes its infra's row
	// sick instead.
	Blame []string `json:"blame"`
	// Via says where the figures came from: management API, rabbitmqctl
	// or AMQP.
	Via string `json:"via"`
}
