package docker

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/manifest"
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
	opts KeeperOptions

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
	Sink     event.Sink // the stack's events
	Local    bool       // see Project.Local
	Tunnels  *Tunnels   // see Project.Tunnels
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
	for name, phase := range opts.Shown {
		k.row(name).shown = phase
	}
	return k
}

// Project returns the project of m on the keeper's engine, reporting
// through it: what the stack does to its containers goes through one.
func (k *Keeper) Project(m *manifest.Manifest, pull bool) *Project {
	return &Project{Engine: k.opts.Engine, Manifest: m, Sink: k, Pull: pull, Local: k.opts.Local, Tunnels: k.opts.Tunnels, keeper: k}
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

// follow reads the engine's events, and lists the containers after each
// (re)connection, each event that changes a container's state and every
// keeperPoll, until the keeper ends. A stream that breaks (the engine
// restarting, a laptop that slept) is opened again, with backoff.
func (k *Keeper) follow() {
	retry := keeperRetryFirst
	for k.ctx.Err() == nil {
		sctx, cancel := context.WithCancel(k.ctx)
		events, errs := k.opts.Engine.Events(sctx, map[string]string{LabelProject: k.project()})
		if k.look() == nil {
			retry = keeperRetryFirst
		}
		k.read(events, errs)
		cancel()
		if k.ended() {
			return
		}
		select {
		case <-time.After(retry):
			retry = min(2*retry, keeperRetryMax)
		case <-k.ctx.Done():
		}
	}
}

// read follows one event stream until it breaks or the keeper ends.
func (k *Keeper) read(events <-chan ContainerEvent, errs <-chan error) {
	poll := time.NewTicker(keeperPoll)
	defer poll.Stop()
	for !k.ended() {
		var err error
		select {
		case e, ok := <-events:
			if !ok {
				return
			}
			if infra := e.Labels[LabelInfra]; e.changesState() && e.Name == ContainerName(k.project(), infra) {
				err = k.lookAt(infra)
			}
		case <-errs:
			return
		case <-poll.C:
			err = k.look()
		case <-k.poke:
			err = k.look()
		case <-k.ctx.Done():
			return
		}
		if err != nil {
			return // the engine does not answer: connect again
		}
	}
}

// ended reports whether the following is over.
func (k *Keeper) ended() bool {
	select {
	case <-k.gone:
		return true
	default:
		return k.ctx.Err() != nil
	}
}

// changesState says the event may change what a row shows; a health
// check's exec, every few seconds, does not.
func (e ContainerEvent) changesState() bool {
	switch e.Action {
	case "start", "die", "destroy", "pause", "unpause", "oom":
		return true
	}
	return strings.HasPrefix(e.Action, "health_status")
}

func (k *Keeper) manifest() *manifest.Manifest { return k.opts.Manifest() }

func (k *Keeper) project() string { return k.manifest().Project }

// look lists the project's containers and acts on what changed for each
// infra entry. It fails when the engine does not answer, after saying so
// on the rows that show a container up.
func (k *Keeper) look() error {
	m := k.manifest()
	k.mu.Lock()
	gens := map[string]int{}
	for _, name := range m.InfraNames() {
		gens[name] = k.row(name).gen
	}
	k.mu.Unlock()
	p := k.Project(m, false)
	list, err := k.opts.Engine.ContainerList(k.ctx, p.labels())
	if err != nil {
		if k.ctx.Err() == nil {
			k.unreachable(gens, err)
		}
		return err
	}
	byName := map[string]Container{}
	for _, c := range list {
		if p.mine(c.Labels) {
			byName[c.Name] = c
		}
	}
	for _, name := range m.InfraNames() {
		c, found := byName[ContainerName(m.Project, name)]
		k.act(p, name, c, found, gens[name])
	}
	k.endIfGone(m)
	return nil
}

// lookAt inspects the container of one infra entry, which an event was
// about, and acts on what changed. An inspect, unlike a list, is never
// behind the event (a list may still say running right after a die).
func (k *Keeper) lookAt(name string) error {
	m := k.manifest()
	if m.Infra[name] == nil {
		return nil
	}
	k.mu.Lock()
	gen := k.row(name).gen
	k.mu.Unlock()
	p := k.Project(m, false)
	c, err := k.opts.Engine.ContainerInspect(k.ctx, ContainerName(m.Project, name))
	found := err == nil && c.Labels[LabelProject] == m.Project && p.mine(c.Labels)
	if err != nil && !errors.Is(err, ErrNotFound) {
		if k.ctx.Err() == nil {
			k.unreachable(map[string]int{name: gen}, err)
		}
		return err
	}
	k.act(p, name, c, found, gen)
	k.endIfGone(m)
	return nil
}

// endIfGone ends the following, with EndWhenGone, once every row shows
// its container removed.
func (k *Keeper) endIfGone(m *manifest.Manifest) {
	if !k.opts.EndWhenGone || k.isGone {
		return
	}
	k.mu.Lock()
	all := true
	for _, name := range m.InfraNames() {
		all = all && k.row(name).shown == event.Removed
	}
	k.mu.Unlock()
	if all {
		k.isGone = true
		close(k.gone)
	}
}

// observed is the phase a row shows for a container as listed; "" for
// the moments between (created, restarting, being removed).
func observed(c Container, found bool) event.Phase {
	switch {
	case !found:
		return event.Removed
	case c.State == "exited" || c.State == "dead":
		return event.Dead
	case c.State == "paused", c.State == "running" && c.Health == "unhealthy":
		return event.Sick
	case c.State == "running" && c.Health == "starting":
		return event.Starting
	case c.State == "running":
		return event.Healthy
	}
	return ""
}

// act compares what a row shows with what the engine says and tells the
// difference, unless a project's call is telling it or the row changed
// since the list was asked for (gen).
func (k *Keeper) act(p *Project, name string, c Container, found bool, gen int) {
	now := observed(c, found)
	k.mu.Lock()
	r := k.row(name)
	if r.busy > 0 || r.gen != gen || now == "" || k.ctx.Err() != nil {
		k.mu.Unlock()
		return
	}
	was := r.shown
	if was == "" {
		// Before anyone said anything: how it stands is where it starts.
		r.shown = now
		k.mu.Unlock()
		return
	}
	switch now {
	case event.Removed:
		r.kept = false
		r.stopTimer()
		k.mu.Unlock()
		if was != event.Removed {
			k.Emit(event.Event{Kind: event.Infra, Name: name, Phase: event.Removed, Msg: "its container was removed (decrispify, docker rm): `crispify infra " + name + "` makes it again"})
		}
	case event.Dead:
		if r.held || was == event.Dead || was == event.Failed || was == event.Removed {
			r.shown = event.Dead // said already: a stop of crispify's, or a failed start
			k.mu.Unlock()
			return
		}
		restart := r.kept && !k.standby && !k.opts.Watch
		var wait time.Duration
		if restart {
			wait = r.backoff()
		}
		k.mu.Unlock()
		// The row's line first, then the container's last lines. A board
		// that only watches cannot tell who stopped it.
		what := fmt.Sprintf("exited with code %d", c.ExitCode)
		switch {
		case restart:
			what += fmt.Sprintf(", not stopped by this stack: starting it again in %s", seconds(wait))
		case !k.opts.Watch:
			what += ", not stopped by this stack: `crispify infra " + name + "` starts it again"
		}
		code := c.ExitCode
		k.Emit(event.Event{Kind: event.Infra, Name: name, Phase: event.Dead, Error: what + "\n" + p.healthError(k.ctx, name, c, "exited").Error(), ExitCode: &code})
		if restart {
			k.restartAfter(name, wait)
		}
	case event.Sick:
		k.mu.Unlock()
		if was == event.Sick {
			return
		}
		if c.State == "paused" {
			k.Emit(event.Event{Kind: event.Infra, Name: name, Phase: event.Sick, Msg: "paused, not by this stack: `docker unpause " + c.Name + "` resumes it", Since: c.StartedAt})
			return
		}
		if full, err := k.opts.Engine.ContainerInspect(k.ctx, c.ID); err == nil {
			c = full
		}
		_ = p.unhealthy(k.ctx, name, c, "unhealthy", event.Sick)
	default: // Starting, Healthy
		// Docker's check has not had its say on a container the probe
		// found answering: still healthy, as the boot said.
		up := was == event.Healthy || was == event.Starting || was == event.Waiting || was == event.Creating
		k.mu.Unlock()
		if !up {
			// Back: started outside the stack, or well again. Its probe
			// says when it is healthy, as at boot.
			k.waitHealthy(name, c.ID)
		}
	}
}

// backoff returns how long the next start again waits, and doubles it;
// called with the lock held.
func (r *keptRow) backoff() time.Duration {
	if !r.since.IsZero() && time.Since(r.since) >= keeperSteadyAfter {
		r.delay = 0 // healthy long enough: this exit is not a crash loop
	}
	wait := r.delay
	if wait == 0 {
		wait = keeperBackoff
	}
	r.delay = min(2*wait, keeperBackoffMax)
	return wait
}

// restartAfter starts the container of name again once wait is over,
// unless the stack went down, crispify took it in hand or it came back
// meanwhile.
func (k *Keeper) restartAfter(name string, wait time.Duration) {
	k.mu.Lock()
	defer k.mu.Unlock()
	r := k.row(name)
	r.stopTimer()
	r.timer = time.AfterFunc(wait, func() { k.goLocked(func() { k.restart(name) }, nil) })
}

func (k *Keeper) restart(name string) {
	k.mu.Lock()
	r := k.row(name)
	r.timer = nil
	ok := r.kept && !r.held && r.busy == 0 && !k.standby && k.ctx.Err() == nil
	k.mu.Unlock()
	if !ok {
		return
	}
	m := k.manifest()
	if m.Infra[name] == nil {
		return // no longer in the manifest
	}
	p := k.Project(m, false)
	c, err := k.opts.Engine.ContainerInspect(k.ctx, ContainerName(m.Project, name))
	switch {
	case errors.Is(err, ErrNotFound):
		k.lookAgain() // removed: the look says so
		return
	case err != nil:
		k.restartAfter(name, keeperBackoff) // the engine does not answer yet
		return
	case c.State == "running":
		return // started by someone else: the look follows it
	}
	err = p.startAndWait(k.ctx, name, c.ID, time.Now())
	if err == nil || k.ctx.Err() != nil {
		return
	}
	k.mu.Lock()
	again := r.kept && !r.held && !k.standby
	var wait time.Duration
	if again {
		wait = r.backoff()
	}
	k.mu.Unlock()
	if again {
		// What failed was said by the start; this says what comes next.
		k.Emit(event.Event{Kind: event.Infra, Name: name, Phase: event.Dead, Error: fmt.Sprintf("did not start again: trying again in %s\n%s", seconds(wait), err)})
		k.restartAfter(name, wait)
	}
}

// waitHealthy follows a container that came back until its probe (or
// Docker's check) says it is healthy, as a boot does, and says so.
func (k *Keeper) waitHealthy(name, id string) {
	done := k.handling(name)
	k.goLocked(func() {
		defer done()
		p := k.Project(k.manifest(), false)
		_ = p.waitHealthy(k.ctx, name, id, time.Now(), "back up")
	}, nil)
}

// unreachable says, on each row that shows a container up, that the
// engine does not answer: the board must not show healthy what it cannot
// see. The next look that gets an answer tells how things are.
func (k *Keeper) unreachable(gens map[string]int, err error) {
	var rows []string
	k.mu.Lock()
	for name, gen := range gens {
		r := k.row(name)
		if r.busy == 0 && r.gen == gen && (r.shown == event.Healthy || r.shown == event.Starting || r.shown == event.Waiting) {
			rows = append(rows, name)
		}
	}
	k.mu.Unlock()
	for _, name := range rows {
		k.Emit(event.Event{Kind: event.Infra, Name: name, Phase: event.Sick,
			Error: fmt.Sprintf("the Docker engine (%s) does not answer: %v; crispify follows the container again once it does", k.opts.Engine.Endpoint(), err)})
	}
}

func seconds(d time.Duration) string {
	return fmt.Sprintf("%ds", int(d.Round(time.Second)/time.Second))
}
