package docker

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"time"

	"github.com/crispify/crispify/internal/event"
)

// A snapshot is a named copy of a data branch's volumes, every infra's,
// made and restored as a branch is copied (see copyVolumes). Its volumes
// carry all it is, so that `data ls` needs no file of its own: the name,
// the branch it was saved from, when, and the image each infra ran, which
// a restore compares with the manifest's (DDEV's lesson: data of another
// major version is refused, not half read).

// Labels of a snapshot's volumes, beside the project's, owner's, infra's,
// LabelDataVolume and LabelDataPath.
const (
	LabelSnapshot       = "io.crispify.snapshot"
	LabelSnapshotBranch = "io.crispify.snapshot-branch"
	LabelSnapshotImage  = "io.crispify.snapshot-image"
	LabelCreated        = "io.crispify.created"
)

// snapshotName is what a snapshot may be called: it is written in volume
// names (sanitized) and labels, and typed on a command line.
var snapshotName = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$`)

// Snapshot is one saved copy of a data branch.
type Snapshot struct {
	Name    string
	Branch  string
	Created time.Time
	// Size is the bytes of its volumes; -1 when the engine did not say.
	Size int64
	// Images are the image each infra ran when it was saved, by infra.
	Images  map[string]string
	Volumes []string
}

// SnapshotVolumeName is the name of the snapshot's copy of the volume
// whose manifest-branch name is base.
func SnapshotVolumeName(base, snapshot string) string {
	return base + ".snap-" + suffix("snapshot", snapshot)
}

// SaveSnapshot copies the current data branch's volumes, every infra's
// that exist, into snapshot name. The infra must be stopped (Quiesce):
// a snapshot of a running database is refused. A name in use is refused.
func (p *Project) SaveSnapshot(ctx context.Context, name string) (Snapshot, error) {
	what := "save snapshot " + name
	if !snapshotName.MatchString(name) {
		return Snapshot{}, fmt.Errorf("%s: a snapshot's name is letters, digits, _, . and -, at most 64, starting with a letter or digit", what)
	}
	if _, err := p.CleanHalfCopies(ctx); err != nil {
		return Snapshot{}, err
	}
	if got, err := p.snapshotVolumes(ctx, name); err != nil {
		return Snapshot{}, err
	} else if len(got) > 0 {
		return Snapshot{}, fmt.Errorf("%s: a snapshot of that name exists: choose another name, or remove it first with `crispify data rm %s`", what, name)
	}
	branch := p.dataBranch()
	created := time.Now().UTC().Truncate(time.Second)
	snap := Snapshot{Name: name, Branch: branch, Created: created, Images: map[string]string{}}
	var jobs []copyJob
	var sources []string
	for _, infra := range p.Manifest.InfraNames() {
		in := p.Manifest.Infra[infra]
		vols, _, err := p.dataVolumes(ctx, in, branch)
		if err != nil {
			return Snapshot{}, err
		}
		have, err := p.existing(ctx, vols)
		if err != nil {
			return Snapshot{}, err
		}
		job := copyJob{infra: infra, image: in.Image}
		for _, v := range vols {
			if _, ok := have[v.Name]; !ok {
				continue
			}
			to := v
			to.Name = SnapshotVolumeName(v.Base, name)
			job.copies = append(job.copies, volumeCopy{
				from: v, to: to,
				labels: p.ownLabels(map[string]string{
					LabelInfra: infra, LabelSnapshot: name, LabelSnapshotBranch: branch,
					LabelSnapshotImage: in.Image, LabelCreated: created.Format(time.RFC3339),
					LabelDataVolume: v.Base, LabelDataPath: v.Path,
				}),
				event: event.Volume{Branch: branch, Snapshot: name},
			})
			sources = append(sources, v.Name)
			snap.Volumes = append(snap.Volumes, to.Name)
		}
		if len(job.copies) > 0 {
			snap.Images[infra] = in.Image
			jobs = append(jobs, job)
		}
	}
	if len(jobs) == 0 {
		return Snapshot{}, fmt.Errorf("%s: branch %s has no data yet: start the infra once (`crispify infra`), then save", what, branch)
	}
	if err := p.refuseRunning(ctx, what, sources); err != nil {
		return Snapshot{}, err
	}
	space, err := p.checkSpace(ctx, what, sources)
	if err != nil {
		return Snapshot{}, err
	}
	snap.Size = 0
	for _, job := range jobs {
		job.sizes, job.volumes = space.Sizes, space.Volumes
		if err := p.copyVolumes(ctx, job); err != nil {
			// A snapshot is whole or absent: the infra copied already go too.
			if _, rmErr := p.dropSnapshot(context.WithoutCancel(ctx), name); rmErr != nil {
				err = errors.Join(err, rmErr)
			}
			return Snapshot{}, fmt.Errorf("%s: %w", what, err)
		}
		for _, c := range job.copies {
			snap.Size += space.Sizes[c.from.Name]
		}
		p.emitData(job.infra, event.Saved, "snapshot "+name, &event.Volume{Branch: branch, Snapshot: name})
	}
	slices.Sort(snap.Volumes)
	return snap, nil
}

// snapshotVolumes are the project's volumes, this owner's, of the named
// snapshot; of every snapshot when name is empty.
func (p *Project) snapshotVolumes(ctx context.Context, name string) ([]Volume, error) {
	labels := p.labels()
	if name != "" {
		labels[LabelSnapshot] = name
	}
	list, err := p.Engine.VolumeList(ctx, labels)
	if err != nil {
		return nil, fmt.Errorf("list volumes of project %s: %w", p.Manifest.Project, err)
	}
	var out []Volume
	for _, v := range list {
		if v.Labels[LabelSnapshot] != "" && p.mine(v.Labels) {
			out = append(out, v)
		}
	}
	return out, nil
}

// Snapshots lists the project's snapshots, newest first, with their size
// where the engine says it. Half copies are removed first.
func (p *Project) Snapshots(ctx context.Context) ([]Snapshot, error) {
	if _, err := p.CleanHalfCopies(ctx); err != nil {
		return nil, err
	}
	vols, err := p.snapshotVolumes(ctx, "")
	if err != nil {
		return nil, err
	}
	space, _ := p.Engine.DataSpace(ctx)
	byName := map[string]*Snapshot{}
	for _, v := range vols {
		l := v.Labels
		s := byName[l[LabelSnapshot]]
		if s == nil {
			created, _ := time.Parse(time.RFC3339, l[LabelCreated])
			s = &Snapshot{Name: l[LabelSnapshot], Branch: l[LabelSnapshotBranch], Created: created, Images: map[string]string{}}
			byName[s.Name] = s
		}
		s.Volumes = append(s.Volumes, v.Name)
		if l[LabelInfra] != "" {
			s.Images[l[LabelInfra]] = l[LabelSnapshotImage]
		}
	}
	out := make([]Snapshot, 0, len(byName))
	for _, s := range byName {
		slices.Sort(s.Volumes)
		size, known := space.size(s.Volumes)
		s.Size = size
		if !known {
			s.Size = -1
		}
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Created.Equal(out[j].Created) {
			return out[i].Created.After(out[j].Created)
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

// RemoveSnapshot removes a snapshot's volumes; it returns their names. A
// snapshot that does not exist is an error that says where to look.
func (p *Project) RemoveSnapshot(ctx context.Context, name string) ([]string, error) {
	vols, err := p.snapshotVolumes(ctx, name)
	if err != nil {
		return nil, err
	}
	if len(vols) == 0 {
		return nil, fmt.Errorf("remove snapshot %s: there is none of that name: `crispify data ls` lists them", name)
	}
	return p.dropSnapshot(ctx, name)
}

// dropSnapshot removes whatever volumes of snapshot name there are.
func (p *Project) dropSnapshot(ctx context.Context, name string) ([]string, error) {
	vols, err := p.snapshotVolumes(ctx, name)
	if err != nil {
		return nil, err
	}
	var removed []string
	var errs []error
	for _, v := range vols {
		if err := p.Engine.VolumeRemove(ctx, v.Name); err != nil && !errors.Is(err, ErrNotFound) {
			errs = append(errs, fmt.Errorf("remove volume %s of snapshot %s: %w", v.Name, name, err))
			continue
		}
		removed = append(removed, v.Name)
		p.emitData(v.Labels[LabelInfra], event.Removed, "snapshot "+name, &event.Volume{Name: v.Name, Branch: v.Labels[LabelSnapshotBranch], Snapshot: name})
	}
	slices.Sort(removed)
	return removed, errors.Join(errs...)
}

// RestoreSnapshot puts a snapshot's data back on the current data branch,
// in place of what the branch has: every infra of the snapshot, or none.
// It refuses, before changing anything, an infra the manifest no longer
// has, an image of another major version than the snapshot's (naming
// both), an image that is not on the engine (saying how to pull it), and
// an infra whose container is not stopped (Quiesce). The branch's stopped
// containers of those infra are removed (a volume in use cannot be); Up
// makes them again on the restored volumes.
func (p *Project) RestoreSnapshot(ctx context.Context, name string) error {
	what := "restore snapshot " + name
	if _, err := p.CleanHalfCopies(ctx); err != nil {
		return err
	}
	vols, err := p.snapshotVolumes(ctx, name)
	if err != nil {
		return err
	}
	if len(vols) == 0 {
		return fmt.Errorf("%s: there is none of that name: `crispify data ls` lists them", what)
	}
	byInfra := map[string][]Volume{}
	for _, v := range vols {
		byInfra[v.Labels[LabelInfra]] = append(byInfra[v.Labels[LabelInfra]], v)
	}
	branch := p.dataBranch()
	var jobs []copyJob
	var targets []string
	for _, infra := range slices.Sorted(maps.Keys(byInfra)) {
		in, ok := p.Manifest.Infra[infra]
		if !ok {
			return fmt.Errorf("%s: it holds data of infra %s, which the manifest no longer has: add it back, or remove the snapshot", what, infra)
		}
		saved := byInfra[infra][0].Labels[LabelSnapshotImage]
		if err := sameMajor(saved, in.Image); err != nil {
			return fmt.Errorf("%s: %s: %w", what, infra, err)
		}
		dst, _, err := p.dataVolumes(ctx, in, branch)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		byBase := map[string]DataVolume{}
		for _, d := range dst {
			byBase[d.Base] = d
		}
		job := copyJob{infra: infra, image: in.Image}
		for _, v := range byInfra[infra] {
			d, ok := byBase[v.Labels[LabelDataVolume]]
			if !ok {
				return fmt.Errorf("%s: %s no longer mounts the volume %s it holds (at %s): put it back in the manifest to restore", what, infra, v.Labels[LabelDataVolume], v.Labels[LabelDataPath])
			}
			from := DataVolume{Infra: infra, Name: v.Name, Base: d.Base, Path: d.Path}
			labels := p.ownLabels(map[string]string{LabelInfra: infra})
			if forks(in) {
				labels = p.branchVolumeLabels(d, branch)
			}
			job.copies = append(job.copies, volumeCopy{from: from, to: d, labels: labels, event: event.Volume{Branch: branch, Snapshot: name}})
			targets = append(targets, d.Name)
		}
		jobs = append(jobs, job)
	}
	if err := p.refuseRunning(ctx, what, targets); err != nil {
		return err
	}
	var snapVols []string
	for _, v := range vols {
		snapVols = append(snapVols, v.Name)
	}
	space, err := p.checkSpace(ctx, what, snapVols)
	if err != nil {
		return err
	}
	for _, job := range jobs {
		if err := p.clearForRestore(ctx, job); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		job.sizes, job.volumes = space.Sizes, space.Volumes
		if err := p.copyVolumes(ctx, job); err != nil {
			return fmt.Errorf("%s: %w: the snapshot is whole; restore it again", what, err)
		}
		p.emitData(job.infra, event.Restored, "snapshot "+name, &event.Volume{Branch: branch, Snapshot: name})
	}
	return nil
}

// clearForRestore removes the volumes a restore writes, and the stopped
// containers of the project that mount them (the engine keeps a volume a
// container holds, running or not).
func (p *Project) clearForRestore(ctx context.Context, job copyJob) error {
	var targets []string
	for _, c := range job.copies {
		targets = append(targets, c.to.Name)
	}
	list, err := p.Engine.ContainerList(ctx, p.labels())
	if err != nil {
		return fmt.Errorf("list containers of project %s: %w", p.Manifest.Project, err)
	}
	for _, c := range list {
		if !p.mine(c.Labels) || !slices.ContainsFunc(c.Mounts, func(m Mount) bool { return slices.Contains(targets, m.Name) }) {
			continue
		}
		p.letGo(c.Labels[LabelInfra])
		if err := p.Engine.ContainerRemove(ctx, c.ID, false); err != nil && !errors.Is(err, ErrNotFound) {
			return fmt.Errorf("remove container %s to restore its volumes: %w", c.Name, err)
		}
	}
	for _, t := range targets {
		if err := p.Engine.VolumeRemove(ctx, t); err != nil && !errors.Is(err, ErrNotFound) {
			return fmt.Errorf("remove volume %s to restore it: %w", t, err)
		}
	}
	return nil
}
