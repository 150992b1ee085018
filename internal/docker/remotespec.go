package docker

import (
	"context"
	"errors"
	"fmt"

	"github.com/crispify/crispify/internal/manifest"
)

// engineSpec is the container crispify wants for an infra entry on this
// project's engine: Spec with the owner's label, and on another machine's
// engine its ports on that machine's loopback (ssh://, whose tunnels
// bring them here) and its bind mounts made copies of this machine's
// files, whose content is then part of the config hash.
func (p *Project) engineSpec(in *manifest.Infra, imageID string) (ContainerSpec, error) {
	s := Spec(p.Manifest, in, imageID)
	s.Labels[LabelOwner] = p.owner()
	kind := p.kind()
	if kind == engineLocal {
		return s, nil
	}
	if kind == engineSSH {
		for i := range s.Ports {
			s.Ports[i].HostIP = "127.0.0.1"
		}
	}
	mounts := s.Mounts[:0:0]
	for _, m := range s.Mounts {
		if m.Type != "bind" {
			mounts = append(mounts, m)
			continue
		}
		s.Copies = append(s.Copies, Copy{Source: m.Source, Target: m.Destination})
	}
	s.Mounts = mounts
	if err := digestCopies(s.Copies); err != nil {
		return s, fmt.Errorf("start %s: %w", in.Name, err)
	}
	s.Labels[LabelConfigHash] = configHash(s, imageID)
	return s, nil
}

// create makes a container and, on another machine's engine, copies its
// bind mounts' files in before anyone starts it. A container whose copy
// failed is removed: with the hash of its manifest entry it would
// otherwise be started as it is by the next run.
func (p *Project) create(ctx context.Context, spec ContainerSpec) (string, error) {
	id, err := p.Engine.ContainerCreate(ctx, spec)
	if err != nil || len(spec.Copies) == 0 {
		return id, err
	}
	if err := p.copyIn(ctx, id, spec.Copies); err != nil {
		if rmErr := p.Engine.ContainerRemove(context.WithoutCancel(ctx), id, true); rmErr != nil && !errors.Is(rmErr, ErrNotFound) {
			err = errors.Join(err, fmt.Errorf("remove the half-made container: %w", rmErr))
		}
		return "", err
	}
	return id, nil
}
