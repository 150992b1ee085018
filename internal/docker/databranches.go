package docker

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/crispify/crispify/internal/event"
)

// DataBranch is one data branch that has volumes on the engine.
type DataBranch struct {
	Name    string
	Volumes []string
	// Size is the bytes of its volumes; -1 when the engine did not say.
	Size int64
	// Current is the branch the infra mount now (CurrentDataBranch);
	// Default the manifest's, whose volumes keep their old names.
	Current, Default bool
}

// DataBranches lists the data branches that have volumes, by name: what
// `crispify data prune` shows, the caller deciding which branches no repo
// has any more. Volumes made before data branches carry no branch label:
// they are the manifest branch's, which is always listed.
func (p *Project) DataBranches(ctx context.Context) ([]DataBranch, error) {
	if _, err := p.CleanHalfCopies(ctx); err != nil {
		return nil, err
	}
	list, err := p.Engine.VolumeList(ctx, p.labels())
	if err != nil {
		return nil, fmt.Errorf("list volumes of project %s: %w", p.Manifest.Project, err)
	}
	byName := map[string][]string{p.defaultBranch(): nil}
	for _, v := range list {
		b := v.Labels[LabelDataBranch]
		if b == "" || v.Labels[LabelSnapshot] != "" || !p.mine(v.Labels) {
			continue
		}
		byName[b] = append(byName[b], v.Name)
	}
	space, _ := p.Engine.DataSpace(ctx)
	var out []DataBranch
	for _, name := range slices.Sorted(maps.Keys(byName)) {
		vols := byName[name]
		slices.Sort(vols)
		size, known := space.size(vols)
		if !known {
			size = -1
		}
		out = append(out, DataBranch{Name: name, Volumes: vols, Size: size, Current: name == p.dataBranch(), Default: name == p.defaultBranch()})
	}
	return out, nil
}

// RemoveDataBranch removes the volumes of a data branch; it returns their
// names. The manifest's branch and the current one are refused (their data
// goes only with `decrispify --volumes`), and so is a branch whose volumes
// a container that is not stopped mounts.
func (p *Project) RemoveDataBranch(ctx context.Context, branch string) ([]string, error) {
	what := "remove the data of branch " + branch
	switch branch {
	case p.defaultBranch():
		return nil, fmt.Errorf("%s: it is the manifest's branch, whose data stays: `decrispify --volumes` removes it", what)
	case p.dataBranch():
		return nil, fmt.Errorf("%s: the infra run on it now: switch to another branch first", what)
	}
	list, err := p.Engine.VolumeList(ctx, map[string]string{LabelProject: p.Manifest.Project, LabelDataBranch: branch})
	if err != nil {
		return nil, fmt.Errorf("%s: list volumes: %w", what, err)
	}
	var vols []Volume
	for _, v := range list {
		if p.mine(v.Labels) && v.Labels[LabelSnapshot] == "" {
			vols = append(vols, v)
		}
	}
	names := make([]string, len(vols))
	for i, v := range vols {
		names[i] = v.Name
	}
	if err := p.refuseRunning(ctx, what, names); err != nil {
		return nil, err
	}
	var removed []string
	var errs []error
	for _, v := range vols {
		if err := p.Engine.VolumeRemove(ctx, v.Name); err != nil && !errors.Is(err, ErrNotFound) {
			errs = append(errs, fmt.Errorf("%s: remove volume %s: %w", what, v.Name, err))
			continue
		}
		removed = append(removed, v.Name)
		p.emitData(v.Labels[LabelInfra], event.Removed, "data of branch "+branch, &event.Volume{Name: v.Name, Branch: branch})
	}
	slices.Sort(removed)
	return removed, errors.Join(errs...)
}

// VolumeBranch says whose data one of the project's volumes holds: the
// data branch it belongs to, or the snapshot it is part of. A volume made
// before data branches is the manifest branch's; a copy's marker is
// neither (both empty). What a teardown that keeps other branches' data
// (`decrispify --volumes` without --all-branches) sorts by.
func (p *Project) VolumeBranch(v Volume) (branch, snapshot string) {
	switch {
	case v.Labels[LabelCopyMarker] != "":
		return "", ""
	case v.Labels[LabelSnapshot] != "":
		return "", v.Labels[LabelSnapshot]
	case v.Labels[LabelDataBranch] != "":
		return v.Labels[LabelDataBranch], ""
	}
	return p.defaultBranch(), ""
}
