// Package probe speaks the wire protocols of the infrastructure crispify
// runs (AMQP, MongoDB, MySQL, Redis, SSDB, HTTP) just far enough to tell that
// a server serves: one handshake per attempt, from this machine, through
// the port the workers use, and a polite goodbye. It knows no container
// and no engine: package docker says what to probe and where.
package probe

import (
	"fmt"
	"time"

	"github.com/crispify/crispify/internal/manifest"
)

// While a container starts, crispify probes it itself, from the host,
// through the port the workers will use, with the protocol's own cheap
// handshake. Where crispify knows the protocol, that probe is what makes
// the container healthy: Docker's check often passes before the server
// serves (rabbitmq-diagnostics ping answers once the Erlang node runs,
// seconds before the broker listens), and a worker started then fails.
// It is also sooner: Docker runs its check only every interval (often 10 s
// or 30 s). Docker's check failing, or the container exiting, still makes
// it sick or dead, before and after (package docker's confirm). Nothing is
// run inside the container.

// Probe is one readiness check: a protocol spoken on a container port.
type Probe struct {
	Kind string // manifest.ProbeAMQP, ProbeMongo, ProbeMySQL, ProbeRedis, ProbeSSDB or ProbeHTTP
	Port int    // the container port it is spoken on
	Path string // what an http probe gets; "/" when empty
}

func (pr Probe) String() string {
	if pr.Kind == manifest.ProbeHTTP {
		return fmt.Sprintf("http GET %s on %d", pr.path(), pr.Port)
	}
	return fmt.Sprintf("%s on %d", pr.Kind, pr.Port)
}

func (pr Probe) path() string {
	if pr.Path == "" {
		return "/"
	}
	return pr.Path
}

const (
	// Every is how often a starting container is probed.
	Every = 100 * time.Millisecond
	// Timeout bounds one attempt: a server that accepts and says
	// nothing for this long is not ready yet.
	Timeout = time.Second
)

// Protocol names what the probe speaks, for messages: AMQP, MySQL,
// "HTTP GET /_cluster/health".
func (pr Probe) Protocol() string {
	switch pr.Kind {
	case manifest.ProbeAMQP:
		return "AMQP"
	case manifest.ProbeMongo:
		return "MongoDB"
	case manifest.ProbeMySQL:
		return "MySQL"
	case manifest.ProbeRedis:
		return "Redis"
	case manifest.ProbeSSDB:
		return "SSDB"
	case manifest.ProbeHTTP:
		return "HTTP GET " + pr.path()
	}
	return pr.Kind
}
