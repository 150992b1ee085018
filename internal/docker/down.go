package docker

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/sync/errgroup"

	"github.com/crispify/crispify/internal/event"
)

// DownReport says what Down removed.
type DownReport struct {
	Containers []string
	Network    bool
	Volumes    []string
	// Kept are the project's volumes a teardown left: without volumes all
	// of them, the manifest's and those crispify made for its images'
	// VOLUMEs, which the next boot uses again; with some removed (see
	// DownRemoving), the others.
	Kept []string
	// Unnamed are anonymous volumes an older crispify let the engine make
	// for an image's VOLUMEs, left on disk by a teardown that keeps
	// volumes: the next boot cannot reuse them, so the user is told.
	Unnamed []string
	// Foreign are the project's resources of another owner, left alone.
	Foreign []string
}

// Down stops and removes the project's containers, then its network, and
// with volumes its volumes too (those Volumes lists). A container stops
// before the infra it needs, as a worker does before the workers it needs
// (downOrder); those of one level in parallel. It lists by the project
// label, so nothing else is touched, and it succeeds when there is nothing
// to do.
func (p *Project) Down(ctx context.Context, volumes bool) (DownReport, error) {
	var all func(Volume) bool
	if volumes {
		all = func(Volume) bool { return true }
	}
	return p.DownRemoving(ctx, all)
}

// DownRemoving is Down removing the volumes remove says yes to (of those
// Volumes lists), and keeping the others: a teardown that removes the
// current branch's data and keeps the other branches' (VolumeBranch sorts
// them). A nil remove keeps every volume.
func (p *Project) DownRemoving(ctx context.Context, remove func(Volume) bool) (DownReport, error) {
	volumes := remove != nil
	var report DownReport
	all, err := p.Engine.ContainerList(ctx, p.labels())
	if err != nil {
		return report, fmt.Errorf("list containers of project %s: %w", p.Manifest.Project, err)
	}
	// Another owner's containers of this project name are left alone, and
	// the teardown fails naming them: the user's project needs a name of
	// its own.
	var list []Container
	var foreign error
	for _, c := range all {
		if p.mine(c.Labels) {
			list = append(list, c)
			continue
		}
		report.Foreign = append(report.Foreign, "container "+c.Name)
		if foreign == nil {
			foreign = p.refuseForeign("container "+c.Name, c.Labels)
		}
	}
	errs := make([]error, len(list))
	for _, level := range downOrder(p.Manifest, list) {
		var g errgroup.Group
		for _, i := range level {
			g.Go(func() error {
				errs[i] = p.remove(ctx, list[i], volumes)
				return nil
			})
		}
		g.Wait()
	}
	for i, c := range list {
		if errs[i] == nil {
			report.Containers = append(report.Containers, c.Name)
			if !volumes {
				report.Unnamed = append(report.Unnamed, p.unnamedVolumes(c)...)
			}
		}
	}
	failures := errors.Join(append(errs, foreign)...)

	removed, err := p.removeNetwork(ctx)
	failures = errors.Join(failures, err)
	report.Network = removed
	if volumes {
		removed, kept, err := p.removeVolumes(ctx, remove)
		report.Volumes, report.Kept = removed, kept
		failures = errors.Join(failures, err)
	} else {
		kept, _, err := p.Volumes(ctx)
		failures = errors.Join(failures, err)
		for _, v := range kept {
			report.Kept = append(report.Kept, v.Name)
		}
	}
	return report, failures
}

func (p *Project) remove(ctx context.Context, c Container, volumes bool) error {
	infra := c.Labels[LabelInfra]
	p.letGo(infra)
	if c.State == "running" || c.State == "restarting" || c.State == "paused" {
		if err := p.Engine.ContainerStop(ctx, c.ID, p.stopTimeout()); err != nil && !errors.Is(err, ErrNotFound) {
			p.emit(event.Event{Kind: event.Infra, Name: infra, Phase: event.Failed, Error: err.Error()})
			return fmt.Errorf("stop container %s: %w", c.Name, err)
		}
	}
	if err := p.Engine.ContainerRemove(ctx, c.ID, volumes); err != nil && !errors.Is(err, ErrNotFound) {
		p.emit(event.Event{Kind: event.Infra, Name: infra, Phase: event.Failed, Error: err.Error()})
		return fmt.Errorf("remove container %s: %w", c.Name, err)
	}
	p.emit(event.Event{Kind: event.Infra, Name: infra, Phase: event.Removed, Msg: "container " + c.Name})
	if !volumes {
		return nil
	}
	// The engine removes with a container only the anonymous volumes made
	// for it; one a recreate carried over by its name (see keepAnonymous)
	// stays unless removed by name.
	var failures error
	for _, name := range p.unnamedVolumes(c) {
		if err := p.Engine.VolumeRemove(ctx, name); err != nil && !errors.Is(err, ErrNotFound) {
			failures = errors.Join(failures, fmt.Errorf("remove volume %s of container %s: %w", name, c.Name, err))
			continue
		}
		p.emit(event.Event{Kind: event.Infra, Name: infra, Phase: event.Removed, Msg: "volume " + name})
	}
	return failures
}

// removeNetwork removes the project's networks (one, unless two runs made
// it at once) if they are there and ours.
// It reports whether none of its own is left; another owner's network
// of that name is left alone.
func (p *Project) removeNetwork(ctx context.Context) (bool, error) {
	name := p.Manifest.Project
	list, err := p.Engine.NetworkList(ctx, name)
	if err != nil {
		return false, fmt.Errorf("list networks called %s: %w", name, err)
	}
	for _, n := range list {
		if n.Labels[LabelProject] != name {
			continue // not crispify's: leave it
		}
		if !p.mine(n.Labels) {
			return false, p.refuseForeign("network "+name, n.Labels)
		}
		if err := p.Engine.NetworkRemove(ctx, n.ID); err != nil && !errors.Is(err, ErrNotFound) {
			return false, fmt.Errorf("remove network %s: %w: is a container of another program still attached? see `docker network inspect %s`", name, err, name)
		}
	}
	return true, nil
}

// Volumes answers "which volumes" for every teardown: ours are the
// project's volumes of this owner, which a teardown with volumes removes
// (and the prompt before it lists); foreign are another owner's of the same
// project name, which it leaves and names.
func (p *Project) Volumes(ctx context.Context) (ours, foreign []Volume, err error) {
	vols, err := p.Engine.VolumeList(ctx, p.labels())
	if err != nil {
		return nil, nil, fmt.Errorf("list volumes of project %s: %w", p.Manifest.Project, err)
	}
	for _, v := range vols {
		switch {
		case v.Labels[LabelProject] != p.Manifest.Project:
			// belt and braces: the engine filtered already
		case p.mine(v.Labels):
			ours = append(ours, v)
		default:
			foreign = append(foreign, v)
		}
	}
	return ours, foreign, nil
}

// removeVolumes removes the volumes Volumes calls ours that remove says
// yes to, keeps the others, and refuses another owner's it would remove.
func (p *Project) removeVolumes(ctx context.Context, remove func(Volume) bool) (removed, kept []string, failures error) {
	vols, foreign, err := p.Volumes(ctx)
	if err != nil {
		return nil, nil, err
	}
	for _, v := range foreign {
		if remove(v) {
			failures = errors.Join(failures, p.refuseForeign("volume "+v.Name, v.Labels))
		}
	}
	for _, v := range vols {
		if !remove(v) {
			kept = append(kept, v.Name)
			continue
		}
		if err := p.Engine.VolumeRemove(ctx, v.Name); err != nil && !errors.Is(err, ErrNotFound) {
			failures = errors.Join(failures, fmt.Errorf("remove volume %s: %w", v.Name, err))
			continue
		}
		p.emit(event.Event{Kind: event.Infra, Name: v.Labels[LabelInfra], Phase: event.Removed, Msg: "volume " + v.Name})
		removed = append(removed, v.Name)
	}
	return removed, kept, failures
}

// unnamedVolumes are the anonymous volumes mounted in c: the engine named
// them by a 64-hex ID when an older crispify let it make them for the
// image's VOLUMEs. Volumes of other names are named ones (crispify's own,
// <project>_<infra>_<name>, or the user's), never removed with c.
func (p *Project) unnamedVolumes(c Container) []string {
	var out []string
	for _, m := range c.Mounts {
		if m.Type == "volume" && anonymous.MatchString(m.Name) {
			out = append(out, m.Name)
		}
	}
	return out
}
