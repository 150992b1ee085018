package workers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/manifest"
)

// errHalted is what a replica reports to Start when supervision ended
// before it was ready: someone stopped the worker meanwhile.
var errHalted = errors.New("stopped before it was ready")

// worker is one service's worker under supervision: its replicas, and the
// state they add up to.
type worker struct {
	sup  *Supervisor
	name string

	ctx    context.Context // supervision of every replica; cancel ends it
	cancel context.CancelFunc
	// force ends when a stop's context does (a second Ctrl-C): the stops
	// under way then send SIGKILL at once.
	force       context.Context
	forceCancel context.CancelFunc

	mu       sync.Mutex
	gen      *generation // what new replicas run: the latest spec
	log      *logFile
	replicas []*replica
	failure  *Failure    // set when a start failed: the worker is failed as a whole
	phase    event.Phase // the state last emitted
	since    time.Time
	detail   string
	// restarting is why a restart is under way, "" when none is: the
	// worker reads as restarting throughout, whatever its replicas do.
	restarting string
	// loadSick is why its load makes a ready worker sick (SickByLoad).
	loadSick string
}

// replica is one process of a worker and what it went through. The
// worker's mutex guards it.
type replica struct {
	index  int
	gen    *generation
	env    []string
	ctx    context.Context // its own supervision, under the worker's
	cancel context.CancelFunc
	done   chan struct{} // closed when its supervision loop has returned
	wake   chan struct{} // cuts a restart's backoff short: RetryNow

	state    event.Phase // starting, ready, exited, restarting, stopped, failed
	sick     bool        // restarted sickRestarts times within sickWindow
	pid      int         // 0 while no process runs
	restarts int
	lastExit *int
	backoff  backoff
	tail     tail
	stopErr  error
	// logMatched says a line matched ready.log since the current process
	// started; launch resets it.
	logMatched bool
	batch      []event.Event // the events of one read of output, reused
	// foreign says another process answered on its readiness port.
	foreign string
}

func newWorker(s *Supervisor, gen *generation, log *logFile) *worker {
	w := &worker{sup: s, name: gen.spec.Name, gen: gen, log: log, phase: event.Starting, since: time.Now()}
	w.ctx, w.cancel = context.WithCancel(context.Background())
	w.force, w.forceCancel = context.WithCancel(context.Background())
	for i := range gen.spec.Replicas {
		w.replicas = append(w.replicas, w.newReplica(gen, i))
	}
	return w
}

// newReplica makes replica i of gen; its caller starts its loop with
// supervise, which closes done.
func (w *worker) newReplica(gen *generation, i int) *replica {
	r := &replica{index: i, gen: gen, env: gen.env(i), state: event.Starting, done: make(chan struct{}), wake: make(chan struct{}, 1)}
	r.ctx, r.cancel = context.WithCancel(w.ctx)
	return r
}

// readyTimeout bounds how long a start waits for readiness.
func (g *generation) readyTimeout() time.Duration {
	if g.spec.Ready != nil && g.spec.Ready.Timeout > 0 {
		return g.spec.Ready.Timeout.D()
	}
	return manifest.DefaultReadyTimeout.D()
}

// start runs the replicas and waits until all are ready, or one failed, or
// the ready timeout passed, or ctx ended.
func (w *worker) start(ctx context.Context) error {
	w.mu.Lock()
	rs := slices.Clone(w.replicas)
	gen := w.gen
	w.mu.Unlock()
	if err := w.launchAll(ctx, gen, rs); err != nil {
		return w.abort(ctx, err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	// Up, it says why it was started, as a restart does; a job that ran
	// and finished keeps its exit as its last word.
	if why := gen.spec.Why; why != "" && w.phaseLocked() == event.Ready {
		w.emitLocked(true, event.Event{PID: w.pidLocked(), Restarts: w.restartsLocked(), Msg: "started: " + why})
	}
	return nil
}

// launchAll starts the loops of rs and waits until every one is ready. On
// a failure it returns it, the loops still running: its caller stops them.
func (w *worker) launchAll(ctx context.Context, gen *generation, rs []*replica) error {
	first := make(chan error, len(rs))
	for _, r := range rs {
		go w.supervise(r, first)
	}
	timeout := gen.readyTimeout()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for range rs {
		select {
		case err := <-first:
			if errors.Is(err, errHalted) {
				return fmt.Errorf("start worker %s: %w", w.name, err)
			}
			if err != nil {
				return err
			}
		case <-deadline.C:
			return w.notReady(gen, rs, timeout)
		case <-ctx.Done():
			return fmt.Errorf("start worker %s: %w", w.name, ctx.Err())
		}
	}
	return nil
}

// abort stops a worker that failed to come up and reports it failed; a
// start cut short by its context is reported stopped instead.
func (w *worker) abort(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		w.stop(context.WithoutCancel(ctx))
		return err
	}
	w.halt(context.WithoutCancel(ctx))
	f := asFailure(w.name, err)
	w.mu.Lock()
	defer w.mu.Unlock()
	w.failure = f
	w.restarting = ""
	w.log.close()
	w.emitLocked(true, event.Event{ExitCode: f.ExitCode, Error: f.Error()})
	return f
}

func asFailure(name string, err error) *Failure {
	var f *Failure
	if errors.As(err, &f) {
		return f
	}
	return &Failure{Kind: event.Worker, Name: name, What: err.Error()}
}

// notReady is the failure of a start still not ready at its timeout: about
// the first replica of rs that is not, with its last lines.
func (w *worker) notReady(gen *generation, rs []*replica, timeout time.Duration) *Failure {
	w.mu.Lock()
	defer w.mu.Unlock()
	r := rs[0]
	for _, c := range rs {
		if c.state != event.Ready {
			r = c
			break
		}
	}
	what := fmt.Sprintf("not ready within %s: waited for %s", seconds(timeout), gen.probe.describe(gen.spec.Ready))
	if r.lastExit != nil {
		what += fmt.Sprintf("; it last exited with code %d", *r.lastExit)
	}
	if r.foreign != "" {
		what += "; " + r.foreign
	}
	return &Failure{Kind: event.Worker, Name: w.name, What: w.about(r, what), ExitCode: r.lastExit, Lines: r.tail.last(),
		Hint: fmt.Sprintf("check that it does what ready: expects; if it is only slow, raise ready.timeout; all its output is in %s", w.log.path)}
}

// halt ends supervision and waits until every replica's process group is
// gone. ctx ending turns the stops' SIGTERM into SIGKILL.
func (w *worker) halt(ctx context.Context) {
	defer context.AfterFunc(ctx, w.forceCancel)()
	w.cancel()
	w.mu.Lock()
	rs := slices.Clone(w.replicas)
	w.mu.Unlock()
	for _, r := range rs {
		<-r.done
	}
}

// stopReplicas ends the loops of rs (their process groups) and drops them
// from the worker; the others go on. It returns the stops' errors.
func (w *worker) stopReplicas(ctx context.Context, rs []*replica) error {
	defer context.AfterFunc(ctx, w.forceCancel)()
	for _, r := range rs {
		r.cancel()
	}
	var errs []error
	for _, r := range rs {
		<-r.done
		if r.stopErr != nil {
			errs = append(errs, fmt.Errorf("stop worker %s: %w", w.name, r.stopErr))
		}
	}
	w.mu.Lock()
	w.replicas = slices.DeleteFunc(w.replicas, func(r *replica) bool { return slices.Contains(rs, r) })
	w.mu.Unlock()
	return errors.Join(errs...)
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
			errs = append(errs, fmt.Errorf("stop worker %s: %w", w.name, r.stopErr))
			r.stopErr = nil // said once; the state file names what is left
		}
		if r.state != event.Failed {
			r.state = event.Stopped
		}
	}
	w.restarting = ""
	w.log.close()
	w.emitLocked(wasRunning, event.Event{})
	return errors.Join(errs...)
}

// replace restarts a running worker with gen, saying why. Rolling, it
// brings up each new replica before the old one of its number stops, so
// that the worker never stops serving; a new replica that does not come up
// is stopped and the old ones keep running, the error says so. Otherwise
// every old replica stops, then the new ones start, and a failure leaves
// the worker failed, as a failed start does.
func (w *worker) replace(ctx context.Context, gen *generation, why string, rolling bool) error {
	w.mu.Lock()
	old := slices.Clone(w.replicas)
	w.restarting = why
	w.emitLocked(true, event.Event{Msg: why})
	w.mu.Unlock()

	if !rolling {
		err := w.stopReplicas(ctx, old)
		if err != nil {
			return w.abort(ctx, err)
		}
		w.mu.Lock()
		w.gen = gen
		var rs []*replica
		for i := range gen.spec.Replicas {
			rs = append(rs, w.newReplica(gen, i))
		}
		w.replicas = rs
		w.mu.Unlock()
		if err := w.launchAll(ctx, gen, rs); err != nil {
			return w.abort(ctx, err)
		}
		return w.restarted(why)
	}

	for i := range max(gen.spec.Replicas, len(old)) {
		if i < gen.spec.Replicas {
			r := w.newReplica(gen, i)
			w.mu.Lock()
			w.replicas = append(w.replicas, r)
			w.mu.Unlock()
			if err := w.launchAll(ctx, gen, []*replica{r}); err != nil {
				w.stopReplicas(context.WithoutCancel(ctx), []*replica{r})
				return w.rollbackNote(asFailure(w.name, err), old[i:])
			}
		}
		if i < len(old) {
			w.stopReplicas(ctx, old[i:i+1])
		}
	}
	w.mu.Lock()
	w.gen = gen
	w.mu.Unlock()
	return w.restarted(why)
}

// restarted ends a restart that brought every new replica up.
func (w *worker) restarted(why string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.restarting = ""
	w.emitLocked(true, event.Event{PID: w.pidLocked(), Restarts: w.restartsLocked(), Msg: "restarted: " + why})
	return nil
}

// pidLocked is the first replica's pid, 0 when none runs.
func (w *worker) pidLocked() int {
	if len(w.replicas) > 0 {
		return w.replicas[0].pid
	}
	return 0
}

// rollbackNote ends a rolling restart whose new replica did not come up:
// the old ones still run, and the event and the error say both.
func (w *worker) rollbackNote(f *Failure, kept []*replica) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.restarting = ""
	pids := make([]string, 0, len(kept))
	for _, r := range kept {
		pids = append(pids, fmt.Sprint(r.pid))
	}
	keep := "the old process keeps running (pid " + strings.Join(pids, ", ") + ")"
	if len(kept) > 1 {
		keep = "the old processes keep running (pids " + strings.Join(pids, ", ") + ")"
	}
	f.What = "restart failed, " + keep + ": the new one " + f.What
	w.emitLocked(true, event.Event{Msg: firstLine(f.Error())})
	return f
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
