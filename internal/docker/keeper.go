package docker

import (
	"context"
	"sync"
	"time"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/manifest"
	"github.com/crispify/crispify/internal/ssh"
)

// Keeper follows every infra container of a stack for the stack's whole
// life, from the engine's event stream with a list of the project's
// containers every few seconds behind it, across reconnects to the engine,
// and says on the stack's stream whatever changes that no call of crispify's
// is saying itself: a container that exited (with its code and last lines),
// was removed, came back, turned unhealthy or healthy again. A container the
// stack counted healthy that exits without crispify stopping it (docker
// stop, the engine restarting, a crash) is started again with backoff, 1 s
// doubling to 30 s, as a worker is; one that was removed is not (decrispify
// from another terminal, docker rm): the next boot makes it again.
//
// Its projects (Project) tell it what is theirs: an Up, a start and its wait
// for health are theirs to report while they run, and a stop, recreate or
// removal by crispify is never fought. Everything they emit passes through
// it (it is their Sink), so that it knows what the stack's rows say.
type Keeper struct {
	opts  KeeperOptions
	infra *Project // the stack's one project; each call runs it (Project)

	ctx    context.Context // its life: Close cancels it
	cancel context.CancelFunc
	wg     sync.WaitGroup // its goroutines
	poke   chan struct{}  // look again now: a project let go of a container
	gone   chan struct{}  // closed when every container is gone, with EndWhenGone
	isGone bool           // gone is closed; only follow reads and writes it

	mu      sync.Mutex
	rows    map[string]*keptRow // by infra name
	standby bool                // the stack is going down: start nothing
	started bool
	closed  bool // Close was called: nothing more starts
}

// KeeperOptions say what a Keeper follows and whom it tells.
type KeeperOptions struct {
	Engine Engine
	// Manifest is the stack's latest manifest: which infra it has, and
	// how a container it starts again is probed.
	Manifest func() *manifest.Manifest
	Sink     event.Sink   // the stack's events
	Local    bool         // see Project.Local
	Tunnels  *ssh.Tunnels // see Project.Tunnels
	// Healthy is called with an infra's name each time it turns healthy
	// after it was not: what waits for it can go on at once.
	Healthy func(infra string)
	// Watch only reports: it starts nothing again. A board that follows a
	// stack whose supervisor has stopped uses it so.
	Watch bool
	// EndWhenGone ends the following once every container of the
	// manifest is gone: a teardown is over.
	EndWhenGone bool
	// Shown is what the rows show already, by infra name, when another
	// process reported the stack until now: changes are told from there.
	Shown map[string]event.Phase
}

// keptRow is what a Keeper knows of one infra entry.
type keptRow struct {
	shown event.Phase // what the stack's stream said of it last, "" before anything
	gen   int         // counts changes of the row, so that a look does not act on news older than them
	busy  int         // a project's calls under way on it: theirs to report
	held  bool        // crispify stopped or replaces it: its exit is not news
	kept  bool        // the stack counted it healthy: an exit behind its back is started again
	delay time.Duration
	since time.Time   // when it was last counted healthy
	timer *time.Timer // the restart waiting out its backoff
}

const (
	keeperPoll        = 2 * time.Second        // the list behind the event stream
	keeperRetryFirst  = 100 * time.Millisecond // reconnecting to the engine
	keeperRetryMax    = 5 * time.Second
	keeperBackoff     = time.Second      // the first start again waits this long
	keeperBackoffMax  = 30 * time.Second // and each next one twice the last, up to this
	keeperSteadyAfter = time.Minute      // healthy this long, the backoff starts over
)

// NewKeeper returns a Keeper; Start begins the following. ctx gives its
// values (the -v tracer), not its end: Close ends it.
func NewKeeper(ctx context.Context, opts KeeperOptions) *Keeper {
	k := &Keeper{opts: opts, rows: map[string]*keptRow{}, poke: make(chan struct{}, 1), gone: make(chan struct{})}
	k.ctx, k.cancel = context.WithCancel(context.WithoutCancel(ctx))
	k.infra = NewProject(ProjectOptions{Engine: opts.Engine, Sink: k, Local: opts.Local, Tunnels: opts.Tunnels})
	k.infra.keeper = k
	for name, phase := range opts.Shown {
		k.row(name).shown = phase
	}
	return k
}

// Project returns a run of the stack's one project from m, reporting
// through the keeper: what the stack does to its containers goes through
// it, and every run shares what the project keeps beyond a call.
func (k *Keeper) Project(m *manifest.Manifest, pull bool) *Project {
	return k.infra.With(m, pull)
}

// Start begins following the containers, until Close (or, with
// EndWhenGone, until every one is gone). Only the first call counts.
func (k *Keeper) Start() {
	k.goLocked(k.follow, func() bool { ok := !k.started; k.started = true; return ok })
}

// goLocked runs f in a goroutine Close waits for, unless the keeper is
// closed or when says no (asked with the lock held).
func (k *Keeper) goLocked(f func(), when func() bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.closed || (when != nil && !when()) {
		return
	}
	k.wg.Add(1)
	go func() {
		defer k.wg.Done()
		f()
	}()
}

// Gone is closed once every container is gone, with EndWhenGone.
func (k *Keeper) Gone() <-chan struct{} { return k.gone }

// StandDown makes it start nothing again from now on: the stack is going
// down, and its containers with it. It goes on reporting.
func (k *Keeper) StandDown() {
	if k == nil {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.standby = true
	for _, r := range k.rows {
		r.stopTimer()
	}
}

// Close ends the following and waits for what it started (a start again,
// a wait for health). It is safe to call more than once.
func (k *Keeper) Close() {
	if k == nil {
		return
	}
	k.StandDown()
	k.mu.Lock()
	k.closed = true
	k.mu.Unlock()
	k.cancel()
	k.wg.Wait()
	k.infra.endConfirms()
}

// Emit passes an event on to the stack's stream, noting what it says of
// an infra container.
func (k *Keeper) Emit(e event.Event) {
	notify := false
	if e.Kind == event.Infra && !e.IsOutput() && e.Name != "" {
		k.mu.Lock()
		r := k.row(e.Name)
		was := r.shown
		r.shown = e.Phase
		r.gen++
		if e.Phase == event.Healthy {
			// Brought up by the stack (or back by itself): kept from now on.
			r.held, r.kept = false, true
			r.stopTimer()
			if was != event.Healthy {
				r.since = time.Now()
				notify = k.opts.Healthy != nil
			}
		}
		k.mu.Unlock()
	}
	if k.opts.Sink != nil {
		k.opts.Sink.Emit(e)
	}
	if notify {
		k.opts.Healthy(e.Name)
	}
}

// row returns the row of name; called with the lock held.
func (k *Keeper) row(name string) *keptRow {
	r := k.rows[name]
	if r == nil {
		r = &keptRow{}
		k.rows[name] = r
	}
	return r
}

func (r *keptRow) stopTimer() {
	if r.timer != nil {
		r.timer.Stop()
		r.timer = nil
	}
}

// handling marks a project's call on name under way: the container's news
// are the call's to tell until done is called. A Keeper of nil marks
// nothing.
func (k *Keeper) handling(name string) (done func()) {
	if k == nil {
		return func() {}
	}
	k.mu.Lock()
	r := k.row(name)
	r.busy++
	r.gen++
	k.mu.Unlock()
	return func() {
		k.mu.Lock()
		r.busy--
		r.gen++
		k.mu.Unlock()
		k.lookAgain() // what came meanwhile is the keeper's to tell again
	}
}

// letGo says crispify itself stops, replaces or removes the container of
// name: its exit is no news, and it is not started again until the stack
// counts it healthy once more.
func (k *Keeper) letGo(name string) {
	if k == nil {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	r := k.row(name)
	r.held, r.kept = true, false
	r.gen++
	r.stopTimer()
}

func (k *Keeper) lookAgain() {
	select {
	case k.poke <- struct{}{}:
	default:
	}
}
