package docker

import (
	"context"
	"errors"
	"fmt"
)

// SaveRedis asks the named infra, when it is a Redis that runs, to SAVE
// now, as Quiesce does before it stops one: for a caller whose stop goes
// through a stack's supervisor (its keeper must not see the stop as a
// crash), so that the dump holds what the Redis has in memory. Any other
// infra, or one not running, is left as it is.
func (p *Project) SaveRedis(ctx context.Context, name string) error {
	in, err := p.infra(name)
	if err != nil {
		return err
	}
	c, err := p.Engine.ContainerInspect(ctx, ContainerName(p.Manifest.Project, name))
	if errors.Is(err, ErrNotFound) || (err == nil && (c.Labels[LabelProject] != p.Manifest.Project || c.State != "running")) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("save the data of %s: inspect container: %w", name, err)
	}
	if !p.mine(c.Labels) {
		return p.refuseForeign("container "+c.Name, c.Labels)
	}
	return p.saveRedis(ctx, in, c)
}
