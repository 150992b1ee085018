package stack

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/crispify/crispify/internal/event"
)

// A boot's lifecycle, the same for a foreground crispify, a detached one
// and the background supervisor: become the stack's supervisor or find the
// one that runs it, apply, stay while this process keeps the workers, then
// shut down; and say which of what went wrong the run ends with.

// Keeping says which process keeps the stack a boot applies.
type Keeping int

const (
	// Foreground: this process becomes the stack's supervisor and keeps
	// it, in its terminal, until Ctrl-C, q or decrispify; on a stack another
	// process keeps, it applies through that one.
	Foreground Keeping = iota
	// Detached: a background supervisor keeps the stack, started first
	// when none runs; this process returns once its apply ends.
	Detached
	// Daemon: this process is that background supervisor. It applies
	// nothing itself (the -d that started it applies through its socket)
	// and keeps the stack until decrispify or a signal.
	Daemon
)

// BootOptions say how a boot runs.
type BootOptions struct {
	Keeping Keeping
	// Board: the session's events are the whole stack's, replayed then
	// live (a board in a terminal), not only its apply's.
	Board bool
}

// ErrInterrupted says a boot was cut short (Ctrl-C, q, a signal): what it
// had changed stays.
var ErrInterrupted = errors.New("interrupted")

// Session is one boot under way: the stack kept by this process (Own), or
// by the supervisor it applies through. Apply it, Wait on it, Close it.
type Session struct {
	st   *Stack
	opts BootOptions
	ctx  context.Context // Boot's: its end is an interrupt

	sup  *Supervisor // this process keeps the stack; nil when another does
	feed *feed       // sup's events, for what renders them
	// client is the supervisor that keeps the stack, when another process
	// does; spawned says this boot started it.
	client  *Client
	spawned bool

	events       *event.Queue
	stopFollower context.CancelFunc // ends the events of another's supervisor
	followed     chan struct{}

	quit     chan struct{} // q: the apply ends, and the session stops waiting
	quitOnce sync.Once
	// force cancels the shutdown's context: the stops under way turn to
	// SIGKILL (a second Ctrl-C).
	force    context.Context
	forceNow context.CancelFunc

	applied       bool
	applyErr      error
	downElsewhere bool // decrispify in another terminal stopped the stack
}

// Boot begins a boot of st's stack: this process becomes its supervisor,
// or (a stack is already running, or the boot is detached) finds the one
// that keeps it, starting a background one first when detached and none
// runs. The session's events start at once.
func (st *Stack) Boot(ctx context.Context, opts BootOptions) (*Session, error) {
	s := &Session{st: st, opts: opts, ctx: ctx, quit: make(chan struct{})}
	s.force, s.forceNow = context.WithCancel(context.WithoutCancel(ctx))
	var err error
	switch opts.Keeping {
	case Foreground, Daemon:
		s.sup, err = start(ctx, st, opts.Keeping == Foreground)
		if opts.Keeping == Foreground && errors.Is(err, ErrRunning) {
			// A supervisor that took the lock may still be binding its
			// socket.
			s.client, err = st.waitDial(ctx, 5*time.Second)
		}
	case Detached:
		s.client, err = st.Dial(ctx)
		if errors.Is(err, ErrNotRunning) {
			s.client, err = st.spawn(ctx)
			s.spawned = true
		}
	}
	if err != nil {
		s.forceNow()
		return nil, err
	}
	s.follow()
	return s, nil
}

// follow starts the session's events: all of its own supervisor's, or
// (a board) another's, replayed then live; else only the apply's, which
// Apply sends.
func (s *Session) follow() {
	if s.sup != nil {
		s.feed = s.sup.feed()
		s.events = s.feed.Queue()
		if s.opts.Board {
			s.sup.load.look() // until Shutdown: the board's rows show load
			s.sup.queues.look()
		}
		return
	}
	s.events = s.st.Queue()
	if !s.opts.Board {
		return
	}
	ctx, cancel := context.WithCancel(s.ctx)
	s.stopFollower, s.followed = cancel, make(chan struct{})
	go func() {
		defer close(s.followed)
		s.client.Events(ctx, s.client.datedReplay(ctx, s.events.Emit))
	}()
}

// Own says this process keeps the stack: its workers end when the session
// closes.
func (s *Session) Own() bool { return s.sup != nil }

// Events is what to render: see BootOptions.Board. It is closed once the
// session is.
func (s *Session) Events() *event.Queue { return s.events }

// Keeper is the process that keeps the stack.
func (s *Session) Keeper() Keeper {
	if s.sup != nil {
		return Keeper{PID: s.sup.PID(), InTerminal: s.sup.foreground}
	}
	return Keeper{PID: s.client.PID(), InTerminal: s.client.InTerminal()}
}

// Apply applies req to the stack, through whichever supervisor keeps it.
// q (Quit), ctx's end, and decrispify from another terminal end it. An
// apply that fails and leaves nothing running under a supervisor this
// boot started stops that supervisor, so that no idle one stays behind;
// so does an interrupt of it.
func (s *Session) Apply(ctx context.Context, req Request) (Result, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var stopped <-chan struct{}
	if s.sup != nil {
		stopped = s.sup.Stopped()
	}
	go func() {
		select {
		case <-s.quit:
		case <-stopped:
		case <-ctx.Done():
		}
		cancel()
	}()
	var res Result
	var err error
	switch {
	case s.sup != nil:
		// Its events reach the board through the supervisor's own stream.
		res, err = s.sup.Apply(ctx, req, event.Discard)
	default:
		var sink event.Sink = s.events
		if s.opts.Board {
			sink = event.Discard // the board follows the whole stack
		}
		res, err = s.client.Apply(ctx, req, sink.Emit)
		if res.Usage && err != nil {
			err = &UsageError{Err: err} // it crossed the socket as text
		}
		if s.spawned && (ctx.Err() != nil || (err != nil && !s.client.runsAny(context.WithoutCancel(ctx)))) {
			s.client.Down(context.WithoutCancel(ctx))
		}
	}
	s.applied, s.applyErr = true, err
	return res, err
}

// Wait returns when the run that keeps the stack here ends: at once when
// nothing keeps this process (a detached boot, a boot that failed with
// nothing to show), else on Ctrl-C (ctx), q (Quit) or decrispify from
// another terminal. A board stays after a failed boot of its own, to show
// it; a board of another's stack stays only after an apply that worked.
func (s *Session) Wait(ctx context.Context) {
	if !s.stays() {
		return
	}
	var stopped <-chan struct{}
	if s.sup != nil {
		stopped = s.sup.Stopped()
	}
	select {
	case <-ctx.Done(): // Ctrl-C, SIGTERM, the terminal closed
	case <-s.quit: // q
	case <-stopped: // decrispify, through the socket
		s.downElsewhere = true
	}
}

// stays says whether the run stays once its apply has ended: a stack this
// process keeps, while its workers run (after a failed boot, only on a
// board, to show it); the board of another's stack, after an apply that
// worked.
func (s *Session) stays() bool {
	if s.Own() {
		return s.applyErr == nil || s.opts.Board
	}
	return s.opts.Board && s.applyErr == nil
}

// DownElsewhere says decrispify from another terminal stopped the stack
// this session kept.
func (s *Session) DownElsewhere() bool { return s.downElsewhere }

// Quit ends the apply under way and the wait: q on the board, or the board
// gone. The workers stop when the session closes.
func (s *Session) Quit() { s.quitOnce.Do(func() { close(s.quit) }) }

// Force turns the stops under way, and those to come, to SIGKILL at once:
// a second Ctrl-C.
func (s *Session) Force() {
	s.forceNow()
	if s.sup != nil {
		s.sup.Shutdown(s.force)
	}
}

// Close ends the session. Of a stack this process keeps, it stops the
// workers (those that need others first) and leaves the infra running; it
// runs to its end after a first Ctrl-C, a second (Force) cuts it short.
// With the board of a stack decrispify stopped from another terminal, the
// events then follow the containers as decrispify removes them, until
// every one is gone or Quit. The events end.
//
// It returns what the run ends with: the apply's failure, else
// ErrInterrupted when it was cut short other than by decrispify, else the
// shutdown's failure.
func (s *Session) Close() error {
	var stopErr error
	if s.sup != nil {
		stopErr = s.sup.Shutdown(s.force)
		s.feed.End(s.downElsewhere && s.opts.Board, s.quit)
	} else if s.stopFollower != nil {
		s.stopFollower()
		<-s.followed
	}
	s.events.Close()
	s.forceNow()
	return outcome(s.applied, s.applyErr, s.ctx.Err() != nil, s.downElsewhere, stopErr)
}

// outcome is what a boot ends with: the apply's failure, else
// ErrInterrupted when it was cut short (Ctrl-C, q) other than by
// decrispify, else the shutdown's failure. A run that applied nothing
// (the daemon) ends with its shutdown's.
func outcome(applied bool, applyErr error, interrupted, downElsewhere bool, stopErr error) error {
	if !applied {
		return stopErr
	}
	cut := errors.Is(applyErr, context.Canceled)
	switch {
	case applyErr != nil && !cut:
		return applyErr
	case interrupted, cut && !downElsewhere:
		return ErrInterrupted
	}
	return stopErr
}

// Restart restarts workers or containers by name (the board's r): through
// this process's supervisor, or the one that keeps the stack.
func (s *Session) Restart(ctx context.Context, kind event.Kind, names ...string) error {
	if s.sup != nil {
		return s.sup.Restart(ctx, kind, names...)
	}
	return s.st.Restart(ctx, names)
}

// Stop stops workers or containers by name (the board's s).
func (s *Session) Stop(ctx context.Context, kind event.Kind, names ...string) error {
	if s.sup != nil {
		return s.sup.Stop(ctx, kind, names...)
	}
	return s.st.Stop(ctx, names)
}

// Watch turns watching of the named workers' files on or off (the board's
// w).
func (s *Session) Watch(ctx context.Context, on bool, names ...string) error {
	if s.sup != nil {
		return s.sup.Watch(ctx, on, names...)
	}
	return s.st.Watch(ctx, on, names)
}
