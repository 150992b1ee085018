package workers

import "github.com/crispify/crispify/internal/event"

// SickByLoad says the worker of name is sick by its load, for reason
// (CPU 97% for 6s), or with reason "" that its load is back under its
// thresholds. It only shades a worker that is otherwise ready: one that
// starts, restarts, exited or failed reads as that, whatever its load.
// A worker not supervised is left alone.
func (s *Supervisor) SickByLoad(name, reason string) {
	s.mu.Lock()
	w, ok := s.workers[name]
	s.mu.Unlock()
	if !ok {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.loadSick == reason {
		return
	}
	was := w.loadSick
	w.loadSick = reason
	msg := "sick: " + reason
	if reason == "" {
		msg = "no longer sick: its load is under its thresholds again (was " + was + ")"
	}
	// Emitted only when the phase turns: a restarting worker's load says
	// nothing new.
	w.emitLocked(false, event.Event{Msg: msg})
}
