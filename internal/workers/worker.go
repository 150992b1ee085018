package workers

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/manifest"
)

// errHalted is what a replica reports to Start when supervision ended
// before it was ready: someone stopped the worker meanwhile.
var errHalted = errors.New("stopped before it was ready")

// worker is one Spec under supervision: its replicas, and the state they
// add up to.
type worker struct {
	sup   *Supervisor
	spec  Spec
	probe probe
	logRE *regexp.Regexp // ready.log, compiled; nil for other probes

	ctx    context.Context // supervision; cancel ends it
	cancel context.CancelFunc
	// force ends when a stop's context does (a second Ctrl-C): the stops
	// under way then send SIGKILL at once.
	force       context.Context
	forceCancel context.CancelFunc
	loops       sync.WaitGroup // one per replica

	mu       sync.Mutex
	log      *logFile
	replicas []*replica
	failure  *Failure    // set when Start failed: the worker is failed as a whole
	phase    event.Phase // the state last emitted
	since    time.Time
	detail   string
}

// replica is one process of a worker and what it went through. The
// worker's mutex guards it.
type replica struct {
	index    int
	env      []string
	state    event.Phase // starting, ready, exited, restarting, stopped, failed
	sick     bool        // restarted sickRestarts times within sickWindow
	pid      int         // 0 while no process runs
	restarts int
	lastExit *int
	backoff  backoff
	tail     tail
	stopErr  error
}

func newWorker(s *Supervisor, spec Spec, logRE *regexp.Regexp, log *logFile) *worker {
	w := &worker{sup: s, spec: spec, probe: newProbe(spec.Ready), logRE: logRE, log: log, phase: event.Starting, since: time.Now()}
	w.ctx, w.cancel = context.WithCancel(context.Background())
	w.force, w.forceCancel = context.WithCancel(context.Background())
	for i := range spec.Replicas {
		env := append(append([]string(nil), spec.Env...), fmt.Sprintf("CRISPIFY_REPLICA=%d", i))
		w.replicas = append(w.replicas, &replica{index: i, env: env, state: event.Starting})
	}
	// Added before anyone can call stop, whose Wait must see them.
	w.loops.Add(len(w.replicas))
	return w
}

// start runs the replicas and waits until all are ready, or one failed, or
// the ready timeout passed, or ctx ended.
func (w *worker) start(ctx context.Context) error {
	first := make(chan error, len(w.replicas))
	for _, r := range w.replicas {
		go w.supervise(r, first)
	}
	timeout := manifest.DefaultReadyTimeout.D()
	if w.spec.Ready != nil && w.spec.Ready.Timeout > 0 {
		timeout = w.spec.Ready.Timeout.D()
	}
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for range w.replicas {
		select {
		case err := <-first:
			if errors.Is(err, errHalted) {
				return fmt.Errorf("start worker %s: %w", w.spec.Name, err)
			}
			if err != nil {
				return w.abort(ctx, err)
			}
		case <-deadline.C:
			return w.abort(ctx, w.notReady(timeout))
		case <-ctx.Done():
			w.stop(context.WithoutCancel(ctx))
			return fmt.Errorf("start worker %s: %w", w.spec.Name, ctx.Err())
		}
	}
	return nil
}

// abort stops a worker that failed to come up and reports it failed.
func (w *worker) abort(ctx context.Context, err error) error {
	w.halt(context.WithoutCancel(ctx))
	f, ok := err.(*Failure)
	if !ok {
		f = &Failure{Kind: event.Worker, Name: w.spec.Name, What: err.Error()}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.failure = f
	w.log.close()
	w.emitLocked(true, event.Event{ExitCode: f.ExitCode, Error: f.Error()})
	return f
}

// notReady is the failure of a worker still not ready at its timeout: about
// the first replica that is not, with its last lines.
func (w *worker) notReady(timeout time.Duration) *Failure {
	w.mu.Lock()
	defer w.mu.Unlock()
	r := w.replicas[0]
	for _, c := range w.replicas {
		if c.state != event.Ready {
			r = c
			break
		}
	}
	what := fmt.Sprintf("not ready within %s: waited for %s", seconds(timeout), w.probe.describe(w.spec.Ready))
	if r.lastExit != nil {
		what += fmt.Sprintf("; it last exited with code %d", *r.lastExit)
	}
	return &Failure{Kind: event.Worker, Name: w.spec.Name, What: w.about(r, what), ExitCode: r.lastExit, Lines: r.tail.last(),
		Hint: fmt.Sprintf("check that it does what ready: expects; if it is only slow, raise ready.timeout; all its output is in %s", w.log.path)}
}

// halt ends supervision and waits until every replica's process group is
// gone. ctx ending turns the stops' SIGTERM into SIGKILL.
func (w *worker) halt(ctx context.Context) {
	defer context.AfterFunc(ctx, w.forceCancel)()
	w.cancel()
	w.loops.Wait()
}

// stop halts the worker and reports it stopped.
func (w *worker) stop(ctx context.Context) error {
	w.mu.Lock()
	wasRunning := w.runningLocked()
	w.mu.Unlock()
	w.halt(ctx)
	w.mu.Lock()
	defer w.mu.Unlock()
	var errs []error
	for _, r := range w.replicas {
		if r.stopErr != nil {
			errs = append(errs, fmt.Errorf("stop worker %s: %w", w.spec.Name, r.stopErr))
		}
		if r.state != event.Failed {
			r.state = event.Stopped
		}
	}
	w.log.close()
	w.emitLocked(wasRunning, event.Event{})
	return errors.Join(errs...)
}

// retire lets go of a worker that no longer runs, for a new one of its name.
func (w *worker) retire() {
	w.cancel()
	w.forceCancel()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.log.close()
}

// running reports whether any replica is supervised still.
func (w *worker) running() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.runningLocked()
}

func (w *worker) runningLocked() bool {
	if w.failure != nil || w.ctx.Err() != nil {
		return false
	}
	for _, r := range w.replicas {
		switch r.state {
		case event.Starting, event.Ready, event.Restarting:
			return true
		}
	}
	return false
}

// phaseLocked is the worker's state, from its replicas': the worst of them
// wins, so that "ready" means every replica is.
func (w *worker) phaseLocked() event.Phase {
	if w.failure != nil {
		return event.Failed
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
	e.TS, e.Kind, e.Name, e.Phase = time.Now(), event.Worker, w.spec.Name, phase
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
	if len(w.replicas) == 1 {
		return msg
	}
	return fmt.Sprintf("replica %d: %s", r.index, msg)
}

// line handles one line of a replica's output: to the log file, the error
// tail, the ready.log probe and the events.
func (w *worker) line(r *replica, matched chan struct{}, text string) {
	shown := text
	if len(w.replicas) > 1 {
		shown = fmt.Sprintf("[%d] %s", r.index, text)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.log.writeLine(shown)
	r.tail.add(text)
	if matched != nil && w.logRE.MatchString(text) {
		select {
		case <-matched:
		default:
			close(matched)
		}
	}
	// An empty Line would read as a change of state, not output.
	if strings.TrimSpace(shown) != "" {
		w.sup.sink.Emit(event.Event{TS: time.Now(), Kind: event.Worker, Name: w.spec.Name, Phase: w.phase, Line: shown})
	}
}

// status is the worker's Status.
func (w *worker) status() Status {
	w.mu.Lock()
	defer w.mu.Unlock()
	st := Status{Name: w.spec.Name, State: w.phaseLocked(), Since: w.since, Detail: w.detail}
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
