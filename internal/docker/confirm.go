package docker

import (
	"context"
	"errors"
	"time"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/probe"
)

// healthyByProbe reports a container healthy on its readiness probe's pass,
// and, while Docker's own health check has not passed yet, follows it on
// until that check has a verdict: a container that answered and then died,
// or that its health check finds unhealthy, is reported so, as if the probe
// had never passed. The watch outlives the boot that started it (a stack's
// boot ends as soon as all is up), within the health check's own budget;
// stopping, removing or recreating the container, or Close, ends it sooner.
func (p *Project) healthyByProbe(ctx context.Context, name string, c Container, start time.Time, note string, pr probe.Probe) error {
	if err := p.healthyBy(ctx, name, c, start, note, pr.Kind+" answered"); err != nil {
		return err
	}
	if c.Health == "" || c.Health == "healthy" || p.keeper != nil {
		// Docker has no verdict to come (no check, or it passed), or the
		// stack's Keeper follows the container for the stack's life.
		return nil
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), p.healthBudget(name))
	this := &confirmation{cancel: cancel}
	if old, loaded := p.life.confirms.Swap(name, this); loaded {
		old.(*confirmation).cancel()
	}
	go func() {
		defer cancel()
		p.confirm(cctx, name, c.ID)
		p.life.confirms.CompareAndDelete(name, this)
	}()
	return nil
}

// confirmation is one running confirm, as a project's life keeps it.
type confirmation struct{ cancel context.CancelFunc }

// confirm waits, within ctx, for Docker's first health verdict on a
// container counted healthy by its probe. Healthy ends it quietly; unhealthy
// reports it sick, and an exit dead, with the container's last log lines.
// A container removed meanwhile was taken down on purpose: nothing to say.
func (p *Project) confirm(ctx context.Context, name, id string) {
	events, errs := p.Engine.Events(ctx, map[string]string{LabelProject: p.Manifest.Project, LabelInfra: name})
	changes := healthChanges(ctx, id, events, errs)
	poll := time.NewTicker(2 * time.Second)
	defer poll.Stop()
	for {
		c, err := p.Engine.ContainerInspect(ctx, id)
		switch {
		case ctx.Err() != nil, errors.Is(err, ErrNotFound):
			return
		case err != nil:
			// The engine did not answer: the poll tries again.
		case c.Health == "healthy":
			return
		case c.State == "exited" || c.State == "dead":
			// Before health: Docker calls a stopped container unhealthy.
			_ = p.unhealthy(ctx, name, c, "exited", event.Dead)
			return
		case c.Health == "unhealthy":
			_ = p.unhealthy(ctx, name, c, "unhealthy", event.Sick)
			return
		}
	wait:
		for {
			select {
			case <-changes:
				break wait
			case <-poll.C:
				break wait
			case <-ctx.Done():
				return
			}
		}
	}
}

// endConfirms ends every watch of healthyByProbe: the project is closing.
func (p *Project) endConfirms() {
	p.life.confirms.Range(func(name, _ any) bool {
		p.endConfirm(name.(string))
		return true
	})
}

// letGo says crispify itself stops, replaces or removes an infra's
// container: what follows it (a confirm, the stack's Keeper) does not
// report its exit, and the Keeper does not start it again.
func (p *Project) letGo(name string) {
	p.endConfirm(name)
	p.keeper.letGo(name)
}

// endConfirm stops following an infra's container after its probe passed.
func (p *Project) endConfirm(name string) {
	if c, ok := p.life.confirms.LoadAndDelete(name); ok {
		c.(*confirmation).cancel()
	}
}
