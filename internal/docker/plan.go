package docker

import (
	"context"
	"fmt"
)

// Planned is what Up would do to one infra container, found by reading
// only: nothing is created, pulled, started or cleaned.
type Planned struct {
	Action string // create, recreate, start, restart or leave
	Why    string
	// Pull is set when the image would be pulled first: it is missing, or
	// the run pulls newer images.
	Pull string
}

// PlanUp says what Up would do to the named infra's container, as
// `crispify --dry-run` shows it.
func (p *Project) PlanUp(ctx context.Context, name string) (Planned, error) {
	in, err := p.infra(name)
	if err != nil {
		return Planned{}, err
	}
	var out Planned
	img, err := p.Engine.ImageInspect(ctx, in.Image)
	imageID := img.ID
	switch {
	case err != nil:
		out.Pull = "not present here"
	case p.Pull && len(img.RepoDigests) > 0:
		out.Pull = "a newer one, if the registry has it"
	}
	list, err := p.Engine.ContainerList(ctx, map[string]string{LabelProject: p.Manifest.Project, LabelInfra: name})
	if err != nil {
		return Planned{}, fmt.Errorf("list containers of %s: %w", name, err)
	}
	var current *Container
	for i, c := range list {
		if c.Name == ContainerName(p.Manifest.Project, name) {
			current = &list[i]
		}
	}
	if current == nil {
		return Planned{Action: "create", Why: "no container yet", Pull: out.Pull}, nil
	}
	if imageID == "" {
		return Planned{Action: "recreate", Why: "its image is pulled first; recreated if it differs", Pull: out.Pull}, nil
	}
	spec, err := p.spec(in, img)
	if err != nil {
		return Planned{}, err
	}
	out.Action, out.Why = "leave", "running, config unchanged"
	switch {
	case current.Labels[LabelConfigHash] != spec.Labels[LabelConfigHash]:
		out.Action, out.Why = "recreate", "its config or image changed; named volumes kept"
	case current.State == "running" && current.Health == "unhealthy":
		out.Action, out.Why = "restart", "it is unhealthy"
	case current.State != "running":
		out.Action, out.Why = "start", "it is "+current.State
	}
	if out.Action == "leave" && p.Pull && len(img.RepoDigests) > 0 {
		out.Why += "; recreated if a newer image is pulled"
	}
	return out, nil
}
