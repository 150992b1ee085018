package docker

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/manifest"
)

// What a Keeper does with what the engine says: follow the events, look at
// the containers, tell what changed, start again what exited.

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
