package workers

import (
	"fmt"
	"strings"
	"time"

	"github.com/crispify/crispify/internal/event"
)

// phaseLocked is the worker's state, from its replicas': the worst of them
// wins, so that "ready" means every replica is.
func (w *worker) phaseLocked() event.Phase {
	if w.failure != nil {
		return event.Failed
	}
	if w.restarting != "" {
		return event.Restarting
	}
	n := map[event.Phase]int{}
	sick := false
	for _, r := range w.replicas {
		n[r.state]++
		sick = sick || r.sick
	}
	switch {
	case n[event.Failed] > 0:
		return event.Failed
	case n[event.Stopped] == len(w.replicas):
		return event.Stopped
	case sick:
		return event.Sick
	case n[event.Restarting] > 0:
		return event.Restarting
	case n[event.Starting] > 0:
		return event.Starting
	case n[event.Exited] > 0:
		return event.Exited
	case w.loadSick != "":
		return event.Sick
	}
	return event.Ready
}

// emitLocked emits e as the worker's state now, when that state changed or
// news says e carries something of its own (a pid, an exit code).
func (w *worker) emitLocked(news bool, e event.Event) {
	phase := w.phaseLocked()
	if !news && phase == w.phase {
		return
	}
	if phase != w.phase {
		w.phase, w.since, w.detail = phase, time.Now(), ""
	}
	if d := firstLine(e.Msg + e.Error); d != "" {
		w.detail = d
	}
	e.TS, e.Kind, e.Name, e.Phase = time.Now(), event.Worker, w.name, phase
	w.sup.sink.Emit(e)
}

// noteLocked emits what replica r went through: short when the worker's
// phase already names it (exited: "code 3"), long when it does not (a sick
// worker's replica "exited with code 3"). An empty short always takes long.
func (w *worker) noteLocked(r *replica, e event.Event, short, long string) {
	e.Msg = long
	if short != "" && w.phaseLocked() == r.state {
		e.Msg = short
	}
	e.Msg = w.about(r, e.Msg)
	w.emitLocked(true, e)
}

// about says which replica msg is about, when there are several.
func (w *worker) about(r *replica, msg string) string {
	if r.gen.spec.Replicas == 1 {
		return msg
	}
	return fmt.Sprintf("replica %d: %s", r.index, msg)
}

// lines handles the lines of one read of a replica's output: to the log
// file, the error tail, the ready.log probe and the events. What is done
// once per read (the lock, the clock) is not done per line: a chatty
// worker writes thousands a second.
func (w *worker) lines(r *replica, matched chan struct{}, lines []string) {
	now := time.Now()
	stamp := LogStamp(now) // once per read, as the clock is
	w.mu.Lock()
	defer w.mu.Unlock()
	events := r.batch[:0] // reused: a chatty worker's reads come every few ms
	defer func() {
		event.EmitLines(w.sup.sink, events)
		clear(events) // let the lines go
		r.batch = events[:0]
	}()
	for _, text := range lines {
		shown := text
		if r.gen.spec.Replicas > 1 {
			shown = fmt.Sprintf("[%d] %s", r.index, text)
		}
		w.log.writeStamped(stamp, shown)
		r.tail.add(text)
		// Once matched, a line need not be matched again: the regexp is
		// the costliest part of a chatty worker's line.
		if matched != nil && !r.logMatched && r.gen.logRE.MatchString(text) {
			r.logMatched = true
			close(matched)
		}
		// An empty Line would read as a change of state, not output.
		if strings.TrimSpace(shown) != "" {
			events = append(events, event.Event{TS: now, Kind: event.Worker, Name: w.name, Phase: w.phase, Line: shown})
		}
	}
}

// status is the worker's Status.
func (w *worker) status() Status {
	w.mu.Lock()
	defer w.mu.Unlock()
	st := Status{Name: w.name, State: w.phaseLocked(), Since: w.since, Detail: w.detail}
	for _, r := range w.replicas {
		if r.pid != 0 {
			st.PIDs = append(st.PIDs, r.pid)
		}
		st.Restarts += r.restarts
		if r.lastExit != nil {
			st.LastExit = r.lastExit
		}
	}
	return st
}

func (w *worker) restartsLocked() int {
	n := 0
	for _, r := range w.replicas {
		n += r.restarts
	}
	return n
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
