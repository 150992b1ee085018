package workers

import (
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/crispify/crispify/internal/event"
)

// ownAnswer is the probe's test of an answer on a port for replica r: it
// counts when the worker's own processes (any replica's, so that a rolling
// restart may share the port) hold the listening socket. A foreign holder
// is noted on r, for the not-ready failure to name.
func (w *worker) ownAnswer(r *replica) func(port int) bool {
	var foreignAt time.Time // a foreign holder is looked for once a second, not at every poll
	return func(port int) bool {
		if time.Since(foreignAt) < time.Second {
			return false
		}
		w.mu.Lock()
		var leaders []int
		for _, x := range w.replicas {
			if x.pid != 0 {
				leaders = append(leaders, x.pid)
			}
		}
		w.mu.Unlock()
		ok, foreign := answeredBy(port, leaders)
		if !ok {
			foreignAt = time.Now()
			w.mu.Lock()
			r.foreign = fmt.Sprintf("port %d answers, but from %s, not from this worker", port, foreign)
			w.mu.Unlock()
		}
		return ok
	}
}

// portTaken is the failure of a worker about to start whose readiness
// port already answers: whatever answers is not it (a worker renamed in
// the manifest, a server started by hand), and it would either fail to
// bind or be taken for ready. nil when the port is free or the probe has
// none.
func portTaken(spec Spec) *Failure {
	port := newProbe(spec.Ready).port(spec.Env)
	if port == 0 || !answers(port) {
		return nil
	}
	holder := portHolder(port)
	if holder == "" {
		holder = "another program"
	}
	return &Failure{Kind: event.Worker, Name: spec.Name,
		What: fmt.Sprintf("port %d, where its readiness is probed, is taken by %s before it started", port, holder),
		Hint: fmt.Sprintf("stop what holds port %d, or give this worker another port in the manifest", port)}
}

// answers reports whether something accepts connections on the local port.
func answers(port int) bool {
	for _, host := range []string{"127.0.0.1", "::1"} {
		c, err := net.DialTimeout("tcp", net.JoinHostPort(host, strconv.Itoa(port)), time.Second)
		if err == nil {
			c.Close()
			return true
		}
	}
	return false
}
