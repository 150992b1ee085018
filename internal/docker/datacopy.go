package docker

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"path"
	"time"

	"github.com/crispify/crispify/internal/event"
)

// A copy of volumes runs with nothing but the engine and the infra's own
// image: a container of that image, created and never started, mounts the
// source volumes, another the new ones, and the engine's archive endpoints
// stream a plain tar from the first into the second (GET then PUT
// /containers/{id}/archive), never compressed, never through a helper image
// a registry would have to serve.
//
// Docker cannot rename a volume nor change its labels, so a copy cannot be
// made under a temporary name and then published. Instead a marker volume
// is made before the first byte and removed after the last: while it
// exists, the volumes labelled with its copy's id are half copies. A copy
// that fails cleans up at once; one cut off by kill -9 is cleaned up by the
// next call (CleanHalfCopies), so no half copy ever passes for a branch's
// data.

// Labels of a copy under way.
const (
	// LabelDataCopy is the id of the copy that made a volume, or of the
	// copy a container was created for.
	LabelDataCopy = "io.crispify.data-copy"
	// LabelCopyMarker is on the marker volume of a copy under way: its id.
	LabelCopyMarker = "io.crispify.data-copy-marker"
)

// volumeCopy is one volume to copy: from an existing volume to a new one
// made with labels, both mounted at the same path.
type volumeCopy struct {
	from, to DataVolume
	labels   map[string]string
	// into writes into to, which exists already and is never removed,
	// even when the copy fails (see adoptAnonymous).
	into bool
	// event is what the progress events say of the copy.
	event event.Volume
}

// copyJob copies the volumes of one infra.
type copyJob struct {
	infra  string
	image  string
	copies []volumeCopy
	// sizes are the source volumes' sizes, where the engine said.
	sizes map[string]int64
	// volumes is the engine's volumes folder when this machine reads it
	// (DataSpace.Volumes): a copy by cp reports its progress from there.
	volumes string
}

// copyVolumes makes each copy's new volume and fills it from its source.
// The sources must not be in use by a running container (see
// refuseRunning); the new volumes must not exist. On any failure, or a
// cancelled ctx, what was made is removed before it returns.
func (p *Project) copyVolumes(ctx context.Context, job copyJob) (err error) {
	if len(job.copies) == 0 {
		return nil
	}
	id := newCopyID()
	marker := markerName(p.Manifest.Project, id)
	if err := p.Engine.VolumeCreate(ctx, marker, p.ownLabels(map[string]string{LabelCopyMarker: id, LabelInfra: job.infra})); err != nil {
		return fmt.Errorf("copy the data of %s: create the marker volume %s: %w", job.infra, marker, err)
	}
	var made []string    // volumes
	var created []string // containers
	defer func() {
		// Cleanup runs even when ctx was cancelled (Ctrl-C): a half copy
		// must not stay looking whole.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		var errs []error
		for _, c := range created {
			if e := p.Engine.ContainerRemove(cctx, c, true); e != nil && !errors.Is(e, ErrNotFound) {
				errs = append(errs, fmt.Errorf("remove the copy's container %.12s: %w", c, e))
			}
		}
		if err != nil {
			for _, v := range made {
				if e := p.Engine.VolumeRemove(cctx, v); e != nil && !errors.Is(e, ErrNotFound) {
					errs = append(errs, fmt.Errorf("remove the half copy %s: %w", v, e))
				}
			}
		}
		// The marker goes last, and only once nothing half made is left:
		// while it stays, the next call finds and removes what is left.
		if len(errs) == 0 {
			if e := p.Engine.VolumeRemove(cctx, marker); e != nil && !errors.Is(e, ErrNotFound) {
				errs = append(errs, fmt.Errorf("remove the marker volume %s: %w", marker, e))
			}
		}
		if len(errs) > 0 {
			err = errors.Join(err, fmt.Errorf("clean up after copying the data of %s: %w", job.infra, errors.Join(errs...)))
		}
	}()

	var from, to []Mount
	for _, c := range job.copies {
		if !c.into {
			labels := maps.Clone(c.labels)
			labels[LabelDataCopy] = id
			if err := p.Engine.VolumeCreate(ctx, c.to.Name, labels); err != nil {
				return fmt.Errorf("copy the data of %s: create volume %s: %w", job.infra, c.to.Name, err)
			}
			made = append(made, c.to.Name)
		}
		from = append(from, Mount{Type: "volume", Name: c.from.Name, Destination: c.from.Path, ReadOnly: true})
		to = append(to, Mount{Type: "volume", Name: c.to.Name, Destination: c.to.Path})
	}
	// cp -a in a container of the infra's own image is the fast way (the
	// archive endpoints stream about a tenth of what a disk copies); an
	// image with no shell or no cp takes the archive way.
	cpErr := p.copyByCp(ctx, job, id, &created)
	if cpErr == nil || !errors.Is(cpErr, errNoCp) {
		return cpErr
	}
	reader, err := p.copyContainer(ctx, job, id, "from", from)
	if err != nil {
		return err
	}
	created = append(created, reader)
	writer, err := p.copyContainer(ctx, job, id, "to", to)
	if err != nil {
		return err
	}
	created = append(created, writer)
	for _, c := range job.copies {
		if err := p.copyOne(ctx, job, reader, writer, c); err != nil {
			return err
		}
	}
	return nil
}

// copyContainer creates a container of the infra's image that mounts
// mounts and is never started: the engine reads and writes its volumes
// through the archive endpoints all the same. It carries the project's
// labels and the copy's id, not the infra's, so that nothing takes it for
// the infra's container.
func (p *Project) copyContainer(ctx context.Context, job copyJob, id, side string, mounts []Mount) (string, error) {
	name := fmt.Sprintf("%s-%s-data-%s-%s", p.Manifest.Project, job.infra, id, side)
	cid, err := p.Engine.ContainerCreate(ctx, ContainerSpec{
		Name:   name,
		Image:  job.image,
		Labels: p.ownLabels(map[string]string{LabelDataCopy: id}),
		Mounts: mounts,
	})
	if err != nil {
		return "", fmt.Errorf("copy the data of %s: create container %s of image %s: %w", job.infra, name, job.image, err)
	}
	return cid, nil
}

// copyOne streams one volume from the reader container to the writer,
// reporting bytes done of the source's size.
func (p *Project) copyOne(ctx context.Context, job copyJob, reader, writer string, c volumeCopy) error {
	what := fmt.Sprintf("copy volume %s to %s", c.from.Name, c.to.Name)
	rc, err := p.Engine.CopyFromContainer(ctx, reader, c.from.Path)
	if err != nil {
		return fmt.Errorf("%s: read it: %w", what, err)
	}
	defer rc.Close()
	ev := c.event
	ev.Name = c.to.Name
	ev.Total = job.sizes[c.from.Name]
	counter := &progressReader{ctx: ctx, r: rc, report: func(done int64) {
		e := ev
		e.Done = done
		if e.Total > 0 {
			e.Done = min(done, e.Total)
		}
		p.emitData(job.infra, event.Copying, bytesOf(e), &e)
	}}
	counter.report(0)
	// The tar's top entry is the path's base name: extracted in the path's
	// folder, it lands in the new volume mounted at the same path.
	if err := p.Engine.CopyToContainer(ctx, writer, path.Dir(path.Clean(c.to.Path)), counter); err != nil {
		return fmt.Errorf("%s: write it: %w", what, err)
	}
	if counter.err != nil {
		return fmt.Errorf("%s: read it: %w", what, counter.err)
	}
	ev.Done = counter.done
	if ev.Total > 0 {
		ev.Done = ev.Total
	}
	p.emitData(job.infra, event.Copied, bytesOf(ev), &ev)
	return nil
}

// bytesOf says how far a volume's copy is, for the plain lines and the
// board: "crisp_mysql_data.feature-1a2b3c4d: 12.0 MB of 200.0 MB".
func bytesOf(v event.Volume) string {
	if v.Total > 0 {
		return fmt.Sprintf("%s: %s of %s", v.Name, humanBytes(v.Done), humanBytes(v.Total))
	}
	return fmt.Sprintf("%s: %s", v.Name, humanBytes(v.Done))
}

// emitData emits a data event about infra.
func (p *Project) emitData(infra string, phase event.Phase, msg string, v *event.Volume) {
	e := event.Event{Kind: event.Data, Name: infra, Phase: phase, Msg: msg, Volume: v}
	if v != nil && v.Total > 0 {
		e.Progress = event.Fraction(float64(v.Done) / float64(v.Total))
	}
	p.emit(e)
}

// progressReader counts the bytes read through it and reports every MiB.
// It keeps the stream's own error, which the engine may turn into
// something vaguer when its upload breaks, and ends the stream as soon as
// ctx is cancelled (Ctrl-C), whatever the engine's side does.
type progressReader struct {
	ctx    context.Context
	r      io.Reader
	done   int64
	last   int64
	err    error
	report func(done int64)
}

const reportEvery = 1 << 20

func (pr *progressReader) Read(b []byte) (int, error) {
	if err := pr.ctx.Err(); err != nil {
		pr.err = err
		return 0, err
	}
	n, err := pr.r.Read(b)
	pr.done += int64(n)
	if pr.done-pr.last >= reportEvery {
		pr.last = pr.done
		pr.report(pr.done)
	}
	if err != nil && err != io.EOF {
		pr.err = err
	}
	return n, err
}

// markerName is the marker volume of copy id: a dot after the project
// keeps it apart from every <project>_<infra>_... volume.
func markerName(project, id string) string { return project + ".data-copy-" + id }

// newCopyID is a short random id: copies of one project never share one.
func newCopyID() string {
	b := make([]byte, 4)
	rand.Read(b)
	return hex.EncodeToString(b)
}
