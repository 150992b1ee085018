package docker

import "context"

// CheckPorts tells whether the host ports an infra entry publishes are free,
// or held by its own running container. It is what `crispify doctor` asks.
func (p *Project) CheckPorts(ctx context.Context, name string) error {
	in, err := p.infra(name)
	if err != nil {
		return err
	}
	own := ContainerName(p.Manifest.Project, name)
	if c, err := p.Engine.ContainerInspect(ctx, own); err == nil && c.State == "running" && c.Labels[LabelProject] == p.Manifest.Project && p.mine(c.Labels) {
		return nil // its ports are held by itself
	}
	return p.checkPorts(ctx, name, Spec(p.Manifest, in, "").Ports)
}
