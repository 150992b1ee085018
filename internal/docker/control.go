package docker

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/crispify/crispify/internal/event"
)

// Stop stops one infra container, keeping it: what the TUI's s key does.
func (p *Project) Stop(ctx context.Context, name string) error {
	c, err := p.own(ctx, name)
	if err != nil {
		return err
	}
	p.letGo(name)
	if err := p.Engine.ContainerStop(ctx, c.ID, p.stopTimeout()); err != nil {
		return fmt.Errorf("stop container %s: %w", c.Name, err)
	}
	p.emit(event.Event{Kind: event.Infra, Name: name, Phase: event.Dead, Msg: "stopped by you: crispify infra " + name + " starts it"})
	return nil
}

// Restart stops one infra container and starts it again, waiting until it
// is healthy: what the TUI's r key does.
func (p *Project) Restart(ctx context.Context, name string) error {
	c, err := p.own(ctx, name)
	if err != nil {
		return err
	}
	p.letGo(name)
	if err := p.Engine.ContainerStop(ctx, c.ID, p.stopTimeout()); err != nil && !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("restart container %s: %w", c.Name, err)
	}
	return p.startAndWait(ctx, name, c.ID, time.Now())
}

// own finds the project's container of an infra entry.
func (p *Project) own(ctx context.Context, name string) (Container, error) {
	if _, err := p.infra(name); err != nil {
		return Container{}, err
	}
	cname := ContainerName(p.Manifest.Project, name)
	c, err := p.Engine.ContainerInspect(ctx, cname)
	if err != nil || c.Labels[LabelProject] != p.Manifest.Project {
		return Container{}, fmt.Errorf("%s has no container of project %s: start it with `crispify infra %s`", name, p.Manifest.Project, name)
	}
	if !p.mine(c.Labels) {
		return Container{}, p.refuseForeign("container "+c.Name, c.Labels)
	}
	return c, nil
}
