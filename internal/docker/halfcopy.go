package docker

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/crispify/crispify/internal/event"
)

// CleanHalfCopies removes what copies cut off before their end left (kill
// -9, a machine that lost power): the volumes each made, its containers,
// then its marker (see copyVolumes). It returns the volumes it removed.
// Every data operation calls it first; callers hold the project's Lock, so
// that a marker it finds is no other crispify's copy under way.
func (p *Project) CleanHalfCopies(ctx context.Context) ([]string, error) {
	vols, err := p.Engine.VolumeList(ctx, p.labels())
	if err != nil {
		return nil, fmt.Errorf("list volumes of project %s: %w", p.Manifest.Project, err)
	}
	var markers []Volume
	for _, v := range vols {
		if v.Labels[LabelCopyMarker] != "" && p.mine(v.Labels) {
			markers = append(markers, v)
		}
	}
	var removed []string
	var errs []error
	for _, m := range markers {
		id := m.Labels[LabelCopyMarker]
		infra := m.Labels[LabelInfra]
		// Twice: a container the killed copy asked for may be made by the
		// engine only after the first listing, and then holds a volume.
		var failed bool
		for pass := 0; pass < 2; pass++ {
			var passErrs []error
			var gone []string
			passErrs = append(passErrs, p.removeCopyContainers(ctx, id)...)
			// Listed again each pass, for the same reason: a volume made
			// after the first listing must not outlive its marker.
			made, err := p.Engine.VolumeList(ctx, map[string]string{LabelProject: p.Manifest.Project, LabelDataCopy: id})
			if err != nil {
				passErrs = append(passErrs, fmt.Errorf("list the volumes of copy %s: %w", id, err))
			}
			for _, v := range made {
				if v.Name == m.Name || !p.mine(v.Labels) || slices.Contains(removed, v.Name) {
					continue
				}
				if err := p.Engine.VolumeRemove(ctx, v.Name); err != nil && !errors.Is(err, ErrNotFound) {
					passErrs = append(passErrs, fmt.Errorf("remove the half copy %s: %w: remove it with `docker volume rm %s`", v.Name, err, v.Name))
					continue
				}
				gone = append(gone, v.Name)
				p.emitData(infra, event.Removed, "a copy cut off before its end: its half copy removed", &event.Volume{Name: v.Name, Branch: v.Labels[LabelDataBranch], Snapshot: v.Labels[LabelSnapshot]})
			}
			removed = append(removed, gone...)
			failed = len(passErrs) > 0
			if !failed || pass == 1 {
				errs = append(errs, passErrs...)
				break
			}
		}
		if failed {
			continue // the marker stays, so that the next call tries again
		}
		if err := p.Engine.VolumeRemove(ctx, m.Name); err != nil && !errors.Is(err, ErrNotFound) {
			errs = append(errs, fmt.Errorf("remove the marker volume %s: %w", m.Name, err))
		}
	}
	slices.Sort(removed)
	return removed, errors.Join(errs...)
}

// refuseRunning fails when a container that is not stopped mounts one of
// the volumes: crispify never copies from, or over, a database that runs or
// is paused. Every container of the engine is looked at, the project's or
// not: a volume in use is in use whoever uses it.
func (p *Project) refuseRunning(ctx context.Context, what string, volumes []string) error {
	list, err := p.Engine.ContainerList(ctx, nil)
	if err != nil {
		return fmt.Errorf("%s: list containers: %w", what, err)
	}
	for _, c := range list {
		if c.State == "exited" || c.State == "created" || c.State == "dead" {
			continue
		}
		for _, m := range c.Mounts {
			if m.Type == "volume" && slices.Contains(volumes, m.Name) {
				return &InUseError{What: what, Container: c.Name, State: c.State, Volume: m.Name, Infra: c.Labels[LabelInfra]}
			}
		}
	}
	return nil
}

// InUseError refuses to copy a volume a container uses.
type InUseError struct {
	What      string // copy the data of redis to branch feature
	Container string
	State     string // running, paused, restarting
	Volume    string
	Infra     string // the container's infra, when it is one
}

func (e *InUseError) Error() string {
	how := "stop it first (`docker stop " + e.Container + "`)"
	if e.Infra != "" {
		how = "stop it first (`crispify stop " + e.Infra + "`)"
	}
	return fmt.Sprintf("%s: container %s is %s and mounts volume %s: crispify copies data only from stopped containers: %s", e.What, e.Container, e.State, e.Volume, how)
}

// checkWhole refuses to mount a volume a copy cut off before its end left
// (its marker is still there): a database must not start on half its
// files. One call to the engine, and only for a volume a copy made.
func (p *Project) checkWhole(ctx context.Context, infra string, v Volume) error {
	id := v.Labels[LabelDataCopy]
	if id == "" {
		return nil
	}
	marker := markerName(p.Manifest.Project, id)
	_, err := p.Engine.VolumeInspect(ctx, marker)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("inspect volume %s: %w", marker, err)
	}
	how := "the next `crispify data` command removes it"
	if b := v.Labels[LabelDataBranch]; b != "" {
		how = "`crispify switch " + b + "` removes it and copies again"
	}
	return fmt.Errorf("start %s: volume %s is half of a copy cut off before its end, never to be started on: %s", infra, v.Name, how)
}

// removeCopyContainers removes the containers a copy made (created, never
// started), and says what it could not.
func (p *Project) removeCopyContainers(ctx context.Context, id string) []error {
	list, err := p.Engine.ContainerList(ctx, map[string]string{LabelProject: p.Manifest.Project, LabelDataCopy: id})
	if err != nil {
		return []error{fmt.Errorf("list the containers of copy %s: %w", id, err)}
	}
	var errs []error
	for _, c := range list {
		if !p.mine(c.Labels) {
			continue
		}
		if err := p.Engine.ContainerRemove(ctx, c.ID, true); err != nil && !errors.Is(err, ErrNotFound) {
			errs = append(errs, fmt.Errorf("remove container %s of a copy cut off: %w", c.Name, err))
		}
	}
	return errs
}
