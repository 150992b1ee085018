package docker

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/crispify/crispify/internal/event"
)

// errNoCp is a copy by cp that cannot run in the infra's image (no shell,
// no cp: a FROM scratch image): the archive way does it instead.
var errNoCp = errors.New("the image cannot run cp")

// copyByCp fills the new volumes of job with `cp -a`, run as root in one
// container of the infra's own image that mounts each source (read-only)
// and its copy side by side: the disk's own speed, where the archive
// endpoints stream every byte through the engine's API. Its progress is
// read from the copies' folders where this machine reads them
// (job.volumes), else said at the start and the end. It returns errNoCp,
// having changed nothing, when the image cannot run it.
func (p *Project) copyByCp(ctx context.Context, job copyJob, id string, created *[]string) error {
	var mounts []Mount
	var script []string
	for i, c := range job.copies {
		from, to := "/crispify-copy/from/"+strconv.Itoa(i), "/crispify-copy/to/"+strconv.Itoa(i)
		mounts = append(mounts,
			Mount{Type: "volume", Name: c.from.Name, Destination: from, ReadOnly: true},
			Mount{Type: "volume", Name: c.to.Name, Destination: to})
		script = append(script, "cp -a "+from+"/. "+to+"/")
	}
	name := fmt.Sprintf("%s-%s-data-%s-cp", p.Manifest.Project, job.infra, id)
	cid, err := p.Engine.ContainerCreate(ctx, ContainerSpec{
		Name:       name,
		Image:      job.image,
		Entrypoint: []string{"/bin/sh", "-c"},
		Cmd:        []string{"set -e; " + strings.Join(script, "; ")},
		User:       "0:0", // cp -a keeps owners only as root
		Labels:     p.ownLabels(map[string]string{LabelDataCopy: id}),
		Mounts:     mounts,
	})
	if err != nil {
		return fmt.Errorf("copy the data of %s: create container %s of image %s: %w", job.infra, name, job.image, err)
	}
	*created = append(*created, cid)
	for _, c := range job.copies {
		p.cpProgress(job, c, 0)
	}
	if err := p.Engine.ContainerStart(ctx, cid); err != nil {
		if cannotExec(err) {
			return errNoCp
		}
		return fmt.Errorf("copy the data of %s: start container %s: %w", job.infra, name, err)
	}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
		c, err := p.Engine.ContainerInspect(ctx, cid)
		if err != nil {
			return fmt.Errorf("copy the data of %s: follow container %s: %w", job.infra, name, err)
		}
		if c.State == "running" || c.State == "created" {
			for _, vc := range job.copies {
				if done, ok := p.copiedSoFar(job, vc); ok {
					p.cpProgress(job, vc, done)
				}
			}
			continue
		}
		if c.ExitCode == 126 || c.ExitCode == 127 {
			return errNoCp // a shell without cp: nothing was copied
		}
		if c.ExitCode != 0 {
			return fmt.Errorf("copy the data of %s: cp -a in container %s of image %s exited with code %d: crispify logs has no such container; see `docker logs %s` before the next try removes it",
				job.infra, name, job.image, c.ExitCode, name)
		}
		for _, vc := range job.copies {
			ev := vc.event
			ev.Name = vc.to.Name
			ev.Total = job.sizes[vc.from.Name]
			ev.Done = ev.Total
			if done, ok := p.copiedSoFar(job, vc); ok {
				ev.Done = done
			}
			p.emitData(job.infra, event.Copied, bytesOf(ev), &ev)
		}
		return nil
	}
}

// copiedSoFar is how much of c is in its copy now, where this machine reads
// the engine's volumes.
func (p *Project) copiedSoFar(job copyJob, c volumeCopy) (int64, bool) {
	if job.volumes == "" {
		return 0, false
	}
	n, err := dirSize(filepath.Join(job.volumes, c.to.Name, "_data"))
	return n, err == nil
}

// cpProgress reports done bytes of c's copy.
func (p *Project) cpProgress(job copyJob, c volumeCopy, done int64) {
	ev := c.event
	ev.Name = c.to.Name
	ev.Total = job.sizes[c.from.Name]
	ev.Done = done
	if ev.Total > 0 {
		ev.Done = min(done, ev.Total)
	}
	p.emitData(job.infra, event.Copying, bytesOf(ev), &ev)
}

// cannotExec reports an engine's refusal to start a container whose
// entrypoint is not in its image.
func cannotExec(err error) bool {
	s := err.Error()
	return strings.Contains(s, "no such file or directory") || strings.Contains(s, "executable file not found")
}
