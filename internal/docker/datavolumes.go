package docker

import (
	"context"
	"errors"
	"fmt"

	"github.com/crispify/crispify/internal/manifest"
)

// DataVolume is one named volume of an infra on one data branch: those of
// the manifest and those crispify makes for its image's VOLUMEs (Redis's
// /data), as Up mounts them.
type DataVolume struct {
	Infra string
	// Name is the volume on the branch; Base its name on the manifest's
	// branch, which ties the copies of one volume together.
	Name string
	Base string
	// Path is where the infra mounts it.
	Path string
}

// dataVolumes are the volumes infra in mounts on data branch branch, with
// the image they are read and written with. The image must be here: its
// VOLUMEs are part of the data, and its containers do the copying.
func (p *Project) dataVolumes(ctx context.Context, in *manifest.Infra, branch string) ([]DataVolume, Image, error) {
	img, err := p.Engine.ImageInspect(ctx, in.Image)
	if errors.Is(err, ErrNotFound) {
		return nil, img, fmt.Errorf("the data of %s: its image %s is not on the engine: pull it with `crispify infra --pull %s`", in.Name, in.Image, in.Name)
	}
	if err != nil {
		return nil, img, fmt.Errorf("the data of %s: inspect image %s: %w", in.Name, in.Image, err)
	}
	spec, err := p.engineSpec(in, img.ID)
	if err != nil {
		return nil, img, err
	}
	mounts := append(spec.Mounts, imageVolumes(p.Manifest.Project, in.Name, img, spec)...)
	var out []DataVolume
	for _, m := range mounts {
		if m.Type != "volume" || anonymous.MatchString(m.Name) {
			continue
		}
		v := DataVolume{Infra: in.Name, Name: m.Name, Base: m.Name, Path: m.Destination}
		if forks(in) {
			v.Name = BranchVolumeName(m.Name, branch, p.defaultBranch())
		}
		out = append(out, v)
	}
	return out, img, nil
}

// existing says which of vols exist, refusing a volume of the project's
// name that another owner made.
func (p *Project) existing(ctx context.Context, vols []DataVolume) (map[string]Volume, error) {
	out := map[string]Volume{}
	for _, v := range vols {
		got, err := p.Engine.VolumeInspect(ctx, v.Name)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("inspect volume %s: %w", v.Name, err)
		}
		if got.Labels[LabelProject] == p.Manifest.Project && !p.mine(got.Labels) {
			return nil, p.refuseForeign("volume "+v.Name, got.Labels)
		}
		out[v.Name] = got
	}
	return out, nil
}
