package probe

import (
	"context"
	"sync/atomic"
	"time"
)

// Watch is a probe tried every Every against a container until it
// passes once: then the protocol answers where the workers reach it, and
// probing stops, so that the server sees one handshake of crispify's per
// boot rather than one every 100 ms for as long as it runs.
type Watch struct {
	probe  Probe
	addr   string
	tried  chan struct{} // closed once the first attempt is over
	passed chan struct{} // closed by the first pass
	last   atomic.Value  // string: why the latest attempt failed
}

// Start starts probing; the watch gives up when ctx ends.
func Start(ctx context.Context, pr Probe, addr string) *Watch {
	w := &Watch{probe: pr, addr: addr, tried: make(chan struct{}), passed: make(chan struct{})}
	go func() {
		tick := time.NewTicker(Every)
		defer tick.Stop()
		first := true
		for {
			attempt, cancel := context.WithTimeout(ctx, Timeout)
			err := pr.Check(attempt, addr)
			cancel()
			// passed before tried: a first attempt that passes never
			// reads, for a moment, as one that failed.
			if err == nil {
				close(w.passed)
			} else {
				w.last.Store(err.Error())
			}
			if first {
				close(w.tried)
				first = false
			}
			if err == nil {
				return
			}
			select {
			case <-tick.C:
			case <-ctx.Done():
				return
			}
		}
	}()
	return w
}

// Missing says what the watch still waits for, as a waiting row shows it:
// "AMQP does not answer yet at 127.0.0.1:5672".
func (w *Watch) Missing() string {
	return w.probe.Protocol() + " does not answer yet at " + w.addr
}

// LastError is why the latest attempt failed; empty before the first.
func (w *Watch) LastError() string {
	s, _ := w.last.Load().(string)
	return s
}

// Probe is what the watch tries.
func (w *Watch) Probe() Probe { return w.probe }

// Tried is closed once the first attempt is over.
func (w *Watch) Tried() <-chan struct{} { return w.tried }

// Passed is closed by the first pass.
func (w *Watch) Passed() <-chan struct{} { return w.passed }
