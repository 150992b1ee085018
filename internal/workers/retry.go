package workers

import "github.com/crispify/crispify/internal/event"

// RetryNow cuts short the restart backoff of the named workers' replicas
// that wait in it, so that they start at once: what they exited for (an
// infra container that was down) is back, and waiting out a backoff of up
// to 30 s would only keep them down longer. why says what came back, for
// their rows and logs: "redis is healthy again". It returns the names of
// the workers it woke; those that run, or were stopped, are left alone.
func (s *Supervisor) RetryNow(why string, names ...string) []string {
	var woke []string
	for _, name := range names {
		s.mu.Lock()
		w := s.workers[name]
		s.mu.Unlock()
		if w != nil && w.retryNow(why) {
			woke = append(woke, name)
		}
	}
	return woke
}

func (w *worker) retryNow(why string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	woke := false
	for _, r := range w.replicas {
		if r.state != event.Restarting {
			continue
		}
		select {
		case r.wake <- struct{}{}:
			woke = true
			w.noteLocked(r, event.Event{Restarts: w.restartsLocked()}, "now: "+why, "restarting now: "+why)
		default: // woken already
		}
	}
	return woke
}
