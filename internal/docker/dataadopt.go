package docker

import (
	"context"
	"fmt"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/manifest"
)

// A crispify from before labelled image volumes let the engine make an
// anonymous volume for each path an image declares a VOLUME at, and a
// recreate carries it over (keepAnonymous): such a container keeps its
// data there, not in the named volume of its branch. Before that data can
// fork, it is copied into the named volume (adopted) while the container
// is stopped; the anonymous volume itself is left as it is. A recreate
// onto another data branch then carries no anonymous volume over (see
// sameDataBranch), and coming back mounts the adopted copy.

// adoptAnonymous copies each anonymous volume the stopped container c of
// infra in mounts where its branch has a named data volume into that
// volume, made if missing.
func (p *Project) adoptAnonymous(ctx context.Context, in *manifest.Infra, c Container) error {
	if !forks(in) {
		return nil
	}
	branch := c.Labels[LabelDataBranch]
	if branch == "" {
		branch = p.defaultBranch()
	}
	var anon []Mount
	for _, m := range c.Mounts {
		if m.Type == "volume" && anonymous.MatchString(m.Name) {
			anon = append(anon, m)
		}
	}
	if len(anon) == 0 {
		return nil
	}
	vols, _, err := p.dataVolumes(ctx, in, branch)
	if err != nil {
		return err
	}
	have, err := p.existing(ctx, vols)
	if err != nil {
		return err
	}
	job := copyJob{infra: in.Name, image: in.Image}
	for _, m := range anon {
		for _, v := range vols {
			if v.Path != m.Destination {
				continue
			}
			_, exists := have[v.Name]
			job.copies = append(job.copies, volumeCopy{
				from:   DataVolume{Infra: in.Name, Name: m.Name, Base: v.Base, Path: v.Path},
				to:     v,
				into:   exists,
				labels: p.branchVolumeLabels(v, branch),
				event:  event.Volume{Branch: branch},
			})
		}
	}
	if err := p.copyVolumes(ctx, job); err != nil {
		return fmt.Errorf("copy the data %s keeps in an anonymous volume into its named one: %w", in.Name, err)
	}
	return nil
}

// sameDataBranch reports whether a recreate keeps the container on its
// data branch: only then may it carry the old container's anonymous
// volumes over. A container without the label is the manifest branch's.
func (p *Project) sameDataBranch(old Container, spec ContainerSpec) bool {
	branchOf := func(labels map[string]string) string {
		if b := labels[LabelDataBranch]; b != "" {
			return b
		}
		return p.defaultBranch()
	}
	return branchOf(old.Labels) == branchOf(spec.Labels)
}
