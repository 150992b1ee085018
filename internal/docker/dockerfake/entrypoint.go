package dockerfake

import (
	"context"
	"fmt"
)

// ContainerStart of the fake with volume files starts a container with an
// entrypoint of its own (a data copy by cp) as an engine does one whose
// image has no shell: it refuses, and the copy takes the archive way,
// which the fake carries out.
func (d *Data) ContainerStart(ctx context.Context, id string) error {
	if c, err := d.Engine.ContainerInspect(ctx, id); err == nil {
		if spec, ok := d.Engine.Spec(c.Name); ok && len(spec.Entrypoint) > 0 {
			return fmt.Errorf("OCI runtime create failed: exec: %q: stat %s: no such file or directory: unknown", spec.Entrypoint[0], spec.Entrypoint[0])
		}
	}
	return d.Engine.ContainerStart(ctx, id)
}
