package workers

import (
	"context"
	"fmt"
	"time"

	"github.com/crispify/crispify/internal/event"
)

const (
	// lastLinesWait is how long an exit waits for the process's last lines
	// before it is reported, so that they are in the report.
	lastLinesWait = 200 * time.Millisecond
	// outputGrace is how long the output may stay open once the group is
	// gone (held by a process that left the group) before it is cut.
	outputGrace = time.Second
)

// supervise runs one replica until supervision ends: it starts the
// process, probes readiness and restarts it by policy, with backoff. Until
// the replica was ready once, its outcome goes to first, exactly once (nil:
// ready), for Start to decide on; after that it is reported by events only.
func (w *worker) supervise(r *replica, first chan<- error) {
	defer close(r.done)
	report := func(err error) {
		if first != nil {
			first <- err
			first = nil
		}
	}
	defer report(errHalted)
	ctx := r.ctx
	spec := r.gen.spec
	for {
		if ctx.Err() != nil {
			return // stopped before this replica started
		}
		p, matched, err := w.launch(r)
		if err != nil {
			f, ok := err.(*Failure)
			if !ok {
				f = &Failure{Kind: event.Worker, Name: w.name, What: w.about(r, fmt.Sprintf("could not start: %v", err)),
					Hint: fmt.Sprintf("check that %s exists (is the repo cloned?)", spec.Dir)}
			}
			w.mu.Lock()
			r.state = event.Failed
			if first == nil {
				w.emitLocked(true, event.Event{Error: f.Error()})
			}
			w.mu.Unlock()
			report(f)
			return
		}
		if !w.watch(r, p, matched, report) {
			return // stopped
		}
		wait, ok := w.exited(r, p, first != nil, report)
		if !ok {
			return
		}
		select {
		case <-time.After(wait):
		case <-r.wake: // what it exited for is back: RetryNow
		case <-ctx.Done():
			w.mu.Lock()
			r.state = event.Stopped
			w.mu.Unlock()
			return
		}
	}
}

// launch starts one process of the replica and begins following its output.
// A process the state file cannot take is stopped at once, and the error
// is a *Failure saying so: a crispify killed then could neither end it nor
// know that it runs, and the next boot would start a second one.
func (w *worker) launch(r *replica) (*proc, chan struct{}, error) {
	p, err := startProc(r.gen.spec.Command, r.gen.spec.Dir, r.env, w.sup.tracker.open(w.name))
	if err != nil {
		return nil, nil, err
	}
	if err := w.sup.track(w.name, r.index, p); err != nil {
		go p.follow(func(string) {})
		now, cancel := context.WithCancel(context.Background())
		cancel()
		stopErr := stopProc(now, p, 0)
		p.drainOutput(outputGrace)
		return nil, nil, unrecorded(w.name, w.about(r, ""), w.sup.state.path, err, stopErr)
	}
	var matched chan struct{}
	if r.gen.logRE != nil {
		matched = make(chan struct{})
	}
	w.mu.Lock()
	select {
	case <-r.wake: // a RetryNow that came as the backoff ended anyway
	default:
	}
	r.pid = p.pid
	r.state = event.Starting
	r.logMatched = false
	w.noteLocked(r, event.Event{PID: p.pid, Restarts: w.restartsLocked()}, fmt.Sprintf("pid %d", p.pid), fmt.Sprintf("started, pid %d", p.pid))
	w.mu.Unlock()
	// Only now: the Starting event must come before the first line.
	go p.followBatches(func(lines []string) { w.lines(r, matched, lines) })
	return p, matched, nil
}

// watch waits while the process runs: it marks it ready when the probe
// says so, and steady after steadyAfter. It returns true when the process
// exited by itself, false when supervision ended and its group is gone.
func (w *worker) watch(r *replica, p *proc, matched chan struct{}, report func(error)) bool {
	ctx, cancel := context.WithCancel(r.ctx)
	defer cancel()
	ready := make(chan error, 1)
	go func() { ready <- r.gen.probe.wait(ctx, r.env, matched, w.ownAnswer(r)) }()
	steady := time.NewTimer(steadyAfter)
	defer steady.Stop()
	for {
		select {
		case err := <-ready:
			ready = nil
			if err == nil {
				w.mu.Lock()
				r.state = event.Ready
				// The pid again: a board that attaches later replays this event.
				w.emitLocked(false, event.Event{PID: p.pid, Restarts: w.restartsLocked()})
				w.mu.Unlock()
				report(nil)
			}
		case <-steady.C:
			w.mu.Lock()
			r.backoff.steady()
			if r.sick {
				r.sick = false
				w.emitLocked(false, event.Event{Msg: w.about(r, fmt.Sprintf("no longer sick: ran %s without exiting", seconds(steadyAfter)))})
			}
			w.mu.Unlock()
		case <-p.exited:
			return true
		case <-r.ctx.Done():
			w.end(r, p)
			return false
		}
	}
}

// end stops the process's group for a stop of the worker.
func (w *worker) end(r *replica, p *proc) {
	err := stopProc(w.force, p, r.gen.spec.StopTimeout)
	select {
	case <-p.exited:
	case <-time.After(afterKill):
	}
	p.drainOutput(outputGrace)
	if err == nil {
		w.sup.untrack(p.pid)
	} else {
		w.sup.unended(p)
	}
	w.mu.Lock()
	r.pid, r.state, r.stopErr = 0, event.Stopped, err
	w.mu.Unlock()
}

// exited handles a process that exited by itself: it reports the exit and
// decides what follows. ok is true when the replica restarts after wait.
// early says the replica was never ready yet, so that Start decides on a
// failure rather than the replica restarting for ever.
func (w *worker) exited(r *replica, p *proc, early bool, report func(error)) (wait time.Duration, ok bool) {
	code, ran := exitCode(p.state), time.Since(p.started)
	short, how := describeExit(p.state)
	p.waitOutput(lastLinesWait)
	// What the process left in its group goes with it: a restart must not
	// meet its predecessor's child holding the port.
	spec := r.gen.spec
	err := stopProc(w.force, p, spec.StopTimeout)
	p.drainOutput(outputGrace)
	if err == nil {
		w.sup.untrack(p.pid)
	} else {
		w.sup.unended(p)
	}

	w.mu.Lock()
	defer w.mu.Unlock()
	r.pid, r.lastExit = 0, intp(code)
	if r.ctx.Err() != nil {
		r.state = event.Stopped // a stop came while it was exiting
		return 0, false
	}
	r.state = event.Exited
	w.noteLocked(r, event.Event{PID: p.pid, ExitCode: intp(code)}, short, how)
	hint := fmt.Sprintf("run `%s` by hand in %s to see why; all its output is in %s", spec.Command, spec.Dir, w.log.path)
	fail := func(what, hint string) {
		f := &Failure{Kind: event.Worker, Name: w.name, What: w.about(r, what), ExitCode: intp(code), Lines: r.tail.last(), Hint: hint}
		r.state = event.Failed
		if !early {
			w.emitLocked(true, event.Event{ExitCode: f.ExitCode, Error: f.Error()})
		}
		report(f)
	}

	switch {
	case permanent(code, ran):
		what, hint := notRunnable(code, spec.Command, "run")
		fail(what, hint)
		return 0, false
	case !restarts(spec.Restart, code):
		if early {
			if code == 0 && spec.Ready == nil {
				report(nil) // it ran and finished: a one-shot job, not a failure
			} else {
				fail(how+" before it was ready", hint)
			}
		}
		return 0, false
	}
	if early && spec.FailFast {
		fail(how+" before it was ready", hint)
		return 0, false
	}
	wait, sick := r.backoff.next(time.Now())
	if sick && early {
		fail(fmt.Sprintf("%s, %d times within %s, before it was ready", how, sickRestarts, seconds(sickWindow)), hint)
		return 0, false
	}
	r.restarts++
	r.state = event.Restarting
	e := event.Event{Restarts: w.restartsLocked()}
	if sick && !r.sick {
		r.sick = true
		w.noteLocked(r, e, "", fmt.Sprintf("restarted %d times within %s; restarting in %s", sickRestarts, seconds(sickWindow), seconds(wait)))
	} else {
		w.noteLocked(r, e, "in "+seconds(wait), "restarting in "+seconds(wait))
	}
	return wait, true
}
