package docker

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/crispify/crispify/internal/event"
)

// A switch of data branches, as crispify switch does it (the caller, in
// internal/stack, holds the project's Lock throughout):
//
//  1. stop the workers that need an infra whose data forks;
//  2. Quiesce each such infra: Redis is asked to SAVE, then the container
//     is stopped with its stop timeout;
//  3. for a branch whose data does not exist yet (BranchData), CopyBranch
//     from the current one (--data copy), or nothing (--data fresh: Up
//     makes the volumes empty);
//  4. set DataBranch to the new branch and Up each infra: the config hash
//     differs, so the container is recreated on the other volumes;
//  5. start the workers again.
//
// Switching back is steps 1, 2, 4 and 5: no copy.

// Forking names the infra whose data differs by branch and that have
// volumes to fork, in the manifest's order: what a switch stops and
// swaps. Infra with data: shared and those without volumes go on running.
func (p *Project) Forking(ctx context.Context) ([]string, error) {
	var out []string
	for _, name := range p.Manifest.InfraNames() {
		in := p.Manifest.Infra[name]
		if !forks(in) {
			continue
		}
		vols, _, err := p.dataVolumes(ctx, in, p.defaultBranch())
		if err != nil {
			return nil, err
		}
		if len(vols) > 0 {
			out = append(out, name)
		}
	}
	return out, nil
}

// BranchData reports whether the named infra's volumes of data branch
// branch all exist, none of them half copied: a switch to it is then a
// swap, with no copy. It removes half copies first (CleanHalfCopies).
func (p *Project) BranchData(ctx context.Context, branch string, names []string) (bool, error) {
	if _, err := p.CleanHalfCopies(ctx); err != nil {
		return false, err
	}
	return p.HasBranchData(ctx, branch, names)
}

// Quiesce makes an infra's data still before a copy: a Redis is asked to
// SAVE, so that its dump holds what it has in memory, then the container
// is stopped gracefully, with its stop timeout. A container already
// stopped, or none at all, is left as it is. Data an older crispify left
// in an anonymous volume is then copied into the branch's named volume
// (adoptAnonymous), so that it forks like the rest.
func (p *Project) Quiesce(ctx context.Context, name string) error {
	in, err := p.infra(name)
	if err != nil {
		return err
	}
	c, err := p.Engine.ContainerInspect(ctx, ContainerName(p.Manifest.Project, name))
	if errors.Is(err, ErrNotFound) || (err == nil && c.Labels[LabelProject] != p.Manifest.Project) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("stop %s for its data: inspect container: %w", name, err)
	}
	if !p.mine(c.Labels) {
		return p.refuseForeign("container "+c.Name, c.Labels)
	}
	if c.State == "exited" || c.State == "created" || c.State == "dead" {
		return p.adoptAnonymous(ctx, in, c)
	}
	if c.State == "running" {
		if err := p.saveRedis(ctx, in, c); err != nil {
			return err
		}
	}
	p.letGo(name)
	if err := p.Engine.ContainerStop(ctx, c.ID, p.stopTimeout()); err != nil && !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("stop container %s for its data: %w", c.Name, err)
	}
	p.emit(event.Event{Kind: event.Infra, Name: name, Phase: event.Dead, Msg: "stopped to swap its data"})
	return p.adoptAnonymous(ctx, in, c)
}

// CopyBranch copies the data of the named infra from data branch from to
// data branch to, each volume that to lacks (BranchData says whether it
// lacks any): what to has is its own and never written over, and a volume
// from has none of is left for Up to make empty. Each
// infra's container must be stopped (Quiesce): a copy from a running or
// paused one is refused. The space the copy needs is checked first where
// the engine says both sizes and free space; a copy that fails or is cut
// off leaves no volume of branch to behind.
func (p *Project) CopyBranch(ctx context.Context, from, to string, names []string) error {
	if from == to {
		return fmt.Errorf("copy data from branch %s to itself", from)
	}
	if _, err := p.CleanHalfCopies(ctx); err != nil {
		return err
	}
	what := fmt.Sprintf("copy the data of branch %s to branch %s", from, to)
	var jobs []copyJob
	var sources []string
	for _, name := range names {
		in, err := p.infra(name)
		if err != nil {
			return err
		}
		if !forks(in) {
			continue // data: shared, one copy for every branch
		}
		src, _, err := p.dataVolumes(ctx, in, from)
		if err != nil {
			return err
		}
		dst, _, err := p.dataVolumes(ctx, in, to)
		if err != nil {
			return err
		}
		have, err := p.existing(ctx, src)
		if err != nil {
			return err
		}
		exist, err := p.existing(ctx, dst)
		if err != nil {
			return err
		}
		job := copyJob{infra: name, image: in.Image}
		for i := range src {
			if _, ok := exist[dst[i].Name]; ok {
				continue // branch to's own data: never written over
			}
			if _, ok := have[src[i].Name]; !ok {
				continue // never made on branch from: Up makes it empty on to
			}
			job.copies = append(job.copies, volumeCopy{
				from: src[i], to: dst[i],
				labels: p.branchVolumeLabels(dst[i], to),
				event:  event.Volume{Branch: to},
			})
			sources = append(sources, src[i].Name)
		}
		jobs = append(jobs, job)
	}
	if err := p.refuseRunning(ctx, what, sources); err != nil {
		return err
	}
	space, err := p.checkSpace(ctx, what, sources)
	if err != nil {
		return err
	}
	// The infra's copies at once: each is mostly a container's start and
	// a disk's copy of different volumes, and a failed one cleans up its
	// own; every failure is said.
	errs := make([]error, len(jobs))
	var wg sync.WaitGroup
	for i, job := range jobs {
		job.sizes, job.volumes = space.Sizes, space.Volumes
		wg.Go(func() {
			if err := p.copyVolumes(ctx, job); err != nil {
				errs[i] = fmt.Errorf("%s: %w", what, err)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// branchVolumeLabels are the labels of infra's volume v on data branch
// branch, as ensureVolumes writes them for the current one.
func (p *Project) branchVolumeLabels(v DataVolume, branch string) map[string]string {
	return p.ownLabels(map[string]string{
		LabelInfra:      v.Infra,
		LabelDataBranch: branch,
		LabelDataVolume: v.Base,
		LabelDataPath:   v.Path,
	})
}

// Swapped reports that an infra, brought up again (Up) after DataBranch
// changed, now runs on the current branch's data.
func (p *Project) Swapped(name string) {
	b := p.dataBranch()
	p.emitData(name, event.Swapped, "on the data of branch "+b, &event.Volume{Branch: b})
}
