package stack

import (
	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/workers"
)

// DatedReplay gives each worker's first event, the replay of its state, the
// Since of its status when the state is the same: a replayed event is
// stamped when it was last sent, which made a worker up for hours read
// `up 11s` on a board that attached later.
func DatedReplay(status []workers.Status, emit func(event.Event)) func(event.Event) {
	began := map[string]workers.Status{}
	for _, s := range status {
		began[s.Name] = s
	}
	return func(e event.Event) {
		if s, ok := began[e.Name]; ok && e.Kind == event.Worker && !e.IsOutput() {
			delete(began, e.Name)
			if e.Since.IsZero() && e.Phase == s.State {
				e.Since = s.Since
			}
		}
		emit(e)
	}
}
