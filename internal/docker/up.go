package docker

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/crispify/crispify/internal/event"
)

// Up makes one infra container exist, run and be healthy, as idempotently as
// compose's `up`: a running container with the same config hash is left
// alone, a stopped one is started, a changed one is recreated with its
// volumes kept. Its image must be present (EnsureImage) and the network made.
func (p *Project) Up(ctx context.Context, name string) error {
	// However it ends, the lead no longer holds the others back.
	defer p.leadDone(name)
	// What becomes of the container meanwhile is this call's to say.
	defer p.keeper.handling(name)()
	err := p.up(ctx, name)
	if err != nil && ctx.Err() == nil {
		var h *HealthError
		if !errors.As(err, &h) { // health failures emitted their own event
			p.emit(event.Event{Kind: event.Infra, Name: name, Phase: event.Failed, Error: err.Error()})
		}
	}
	return err
}

func (p *Project) up(ctx context.Context, name string) error {
	in, err := p.infra(name)
	if err != nil {
		return err
	}
	img, err := p.Engine.ImageInspect(ctx, in.Image)
	if err != nil {
		return fmt.Errorf("start %s: image %s is not present: %w", name, in.Image, err)
	}
	spec, err := p.spec(in, img)
	if err != nil {
		return err
	}
	spec.Mounts = append(spec.Mounts, p.onDataBranch(in, imageVolumes(p.Manifest.Project, name, img, spec))...)
	if err := p.ensureVolumes(ctx, name, spec); err != nil {
		return err
	}
	current, err := p.current(ctx, name, spec.Name)
	if err != nil {
		return err
	}
	start := time.Now()
	needsStart := current == nil || current.Labels[LabelConfigHash] != spec.Labels[LabelConfigHash] || current.State != "running" || current.Health == "unhealthy"
	if needsStart {
		// Whatever followed the old container after its probe passed is
		// about what this run replaces.
		p.letGo(name)
		p.awaitLead(ctx, name)
		start = time.Now()
	} else {
		p.leadStarted(name)
	}
	switch {
	case current == nil:
		if err := p.checkPorts(ctx, name, spec.Ports); err != nil {
			return err
		}
		p.emit(event.Event{Kind: event.Infra, Name: name, Phase: event.Creating, Msg: spec.Image})
		id, err := p.create(ctx, spec)
		if err != nil {
			return fmt.Errorf("create container %s: %w", spec.Name, err)
		}
		return p.startAndWait(ctx, name, id, start)

	case current.Labels[LabelConfigHash] != spec.Labels[LabelConfigHash]:
		id, err := p.recreate(ctx, name, *current, spec)
		if err != nil {
			return err
		}
		return p.startAndWait(ctx, name, id, start)

	case current.State == "running" && current.Health == "unhealthy":
		// Same config but sick: a restart is what a developer would do.
		p.emit(event.Event{Kind: event.Infra, Name: name, Phase: event.Starting, Msg: "restarting: it was unhealthy"})
		if err := p.Engine.ContainerStop(ctx, current.ID, p.stopTimeout()); err != nil {
			return fmt.Errorf("restart container %s: %w", spec.Name, err)
		}
		return p.startAndWait(ctx, name, current.ID, start)

	case current.State == "running":
		return p.waitHealthy(ctx, name, current.ID, start, "already running")

	default: // created, exited, dead: same config, just not running
		if err := p.checkPorts(ctx, name, spec.Ports); err != nil {
			return err
		}
		return p.startAndWait(ctx, name, current.ID, start)
	}
}

// current finds the project's container of an infra entry, and cleans up
// what an interrupted recreate left: a container renamed aside is removed
// when the new one exists, or renamed back when it does not.
func (p *Project) current(ctx context.Context, infra, name string) (*Container, error) {
	list, err := p.Engine.ContainerList(ctx, map[string]string{LabelProject: p.Manifest.Project, LabelInfra: infra})
	if err != nil {
		return nil, fmt.Errorf("list containers of %s: %w", infra, err)
	}
	var current *Container
	var aside []Container
	for i, c := range list {
		if !p.mine(c.Labels) {
			return nil, p.refuseForeign("container "+c.Name, c.Labels)
		}
		if c.Name == name {
			current = &list[i]
		} else {
			aside = append(aside, c)
		}
	}
	for _, c := range aside {
		if current == nil {
			if err := p.Engine.ContainerRename(ctx, c.ID, name); err != nil {
				return nil, fmt.Errorf("rename container %s back to %s after an interrupted recreate: %w", c.Name, name, err)
			}
			c.Name = name
			current = &c
			continue
		}
		if err := p.Engine.ContainerRemove(ctx, c.ID, false); err != nil && !errors.Is(err, ErrNotFound) {
			return nil, fmt.Errorf("remove container %s left by an interrupted recreate: %w", c.Name, err)
		}
	}
	if current == nil {
		if err := p.foreignName(ctx, name); err != nil {
			return nil, err
		}
	}
	return current, nil
}

// foreignName fails when a container has our name but not our label: it is
// someone else's, and crispify never touches it.
func (p *Project) foreignName(ctx context.Context, name string) error {
	c, err := p.Engine.ContainerInspect(ctx, name)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("inspect container %s: %w", name, err)
	}
	if c.Name != name { // inspect also matches ID prefixes
		return nil
	}
	return fmt.Errorf("create container %s: a container of that name exists and is not crispify's: rename or remove it (`docker rm -f %s`) or change project in the manifest", name, name)
}

// recreate replaces a changed container. The old one is renamed aside and
// stopped first, so that the new one can take its name and ports; anonymous
// volumes of the image (a database's data, say) move to the new container,
// and named volumes are never removed.
func (p *Project) recreate(ctx context.Context, infra string, old Container, spec ContainerSpec) (string, error) {
	p.emit(event.Event{Kind: event.Infra, Name: infra, Phase: event.Creating, Msg: "recreating: its configuration changed"})
	aside := fmt.Sprintf("%s-replaced-%.12s", spec.Name, old.ID)
	if err := p.Engine.ContainerRename(ctx, old.ID, aside); err != nil {
		return "", fmt.Errorf("recreate container %s: rename the old one aside: %w", spec.Name, err)
	}
	if err := p.Engine.ContainerStop(ctx, old.ID, p.stopTimeout()); err != nil && !errors.Is(err, ErrNotFound) {
		return "", fmt.Errorf("recreate container %s: stop the old one: %w", spec.Name, err)
	}
	if err := p.checkPorts(ctx, infra, spec.Ports); err != nil {
		return "", err
	}
	if p.sameDataBranch(old, spec) {
		spec.Mounts = keepAnonymous(old, spec)
	}
	id, err := p.create(ctx, spec)
	if err != nil {
		return "", fmt.Errorf("recreate container %s: %w", spec.Name, err)
	}
	if err := p.Engine.ContainerRemove(ctx, old.ID, false); err != nil && !errors.Is(err, ErrNotFound) {
		return "", fmt.Errorf("recreate container %s: remove the old one (%s): %w", spec.Name, aside, err)
	}
	return id, nil
}

// keepAnonymous returns the new spec's mounts with the old container's
// anonymous volumes (an older crispify let the engine make them for the
// image's VOLUMEs) in place of what would be mounted at their paths
// otherwise, when that is a volume of the image's (see imageVolumes) and
// not one the manifest names: their data stays where it was, as compose
// keeps it on a recreate. decrispify --volumes removes them (see Down).
func keepAnonymous(old Container, spec ContainerSpec) []Mount {
	mounts := slices.Clone(spec.Mounts)
	at := map[string]int{}
	for i, m := range mounts {
		at[m.Destination] = i
	}
	for _, m := range old.Mounts {
		if m.Type != "volume" || !anonymous.MatchString(m.Name) {
			continue
		}
		kept := Mount{Type: "volume", Name: m.Name, Destination: m.Destination}
		i, taken := at[m.Destination]
		switch {
		case !taken:
			mounts = append(mounts, kept)
		case isImageVolume(mounts[i].Name):
			mounts[i] = kept
		}
	}
	return mounts
}

// imageVolumes are the volumes crispify makes for the paths an image
// declares a VOLUME at and the spec mounts nothing at (Redis's /data, say).
// Left to the engine, each create would make an anonymous, unlabelled
// volume that no teardown finds and no recreate reuses: one more on disk
// per create. Made by crispify they carry the project's labels, so that a
// recreate reuses them by name and `decrispify --volumes` removes them. The
// image's ID, in the config hash, already decides them.
func imageVolumes(project, infra string, img Image, spec ContainerSpec) []Mount {
	taken := map[string]bool{}
	for _, m := range spec.Mounts {
		taken[path.Clean(m.Destination)] = true
	}
	for _, c := range spec.Copies {
		taken[path.Clean(c.Target)] = true
	}
	var out []Mount
	for _, dir := range img.Volumes {
		if taken[path.Clean(dir)] {
			continue
		}
		out = append(out, Mount{Type: "volume", Name: ImageVolumeName(project, infra, dir), Destination: dir})
	}
	return out
}

// ImageVolumeName is the volume crispify makes for a path its image declares
// a VOLUME at: <project>_<infra>__<path> (/var/lib/mysql:
// crisp_mysql__var_lib_mysql). A manifest's volume names start with a
// letter or digit, so the double underscore keeps the two apart; a path
// that would read ambiguously gets a short hash of itself.
func ImageVolumeName(project, infra, dir string) string {
	clean := strings.Trim(path.Clean(dir), "/")
	name := strings.Map(func(r rune) rune {
		switch {
		case r == '/':
			return '_'
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-':
			return r
		}
		return '-'
	}, clean)
	// Two paths could map to one name ("/a_b" and "/a/b", "/a b" and
	// "/a-b"): such paths get a short hash of themselves too.
	if strings.Contains(clean, "_") || name != strings.ReplaceAll(clean, "/", "_") {
		sum := sha256.Sum256([]byte(clean))
		name += "-" + hex.EncodeToString(sum[:3])
	}
	return VolumeName(project, infra, "_"+name)
}

// isImageVolume reports whether a volume name is one of ImageVolumeName's.
func isImageVolume(name string) bool { return strings.Contains(name, "__") }

var anonymous = regexp.MustCompile(`^[0-9a-f]{64}$`)

// ensureVolumes creates the named volumes of a spec that do not exist yet,
// labelled as the project's, so that `down --volumes` finds them.
func (p *Project) ensureVolumes(ctx context.Context, infra string, spec ContainerSpec) error {
	for _, m := range spec.Mounts {
		if m.Type != "volume" {
			continue
		}
		v, err := p.Engine.VolumeInspect(ctx, m.Name)
		if err == nil {
			if v.Labels[LabelProject] == p.Manifest.Project && !p.mine(v.Labels) {
				return p.refuseForeign("volume "+m.Name, v.Labels)
			}
			if err := p.checkWhole(ctx, infra, v); err != nil {
				return err
			}
			continue
		}
		if !errors.Is(err, ErrNotFound) {
			return fmt.Errorf("inspect volume %s: %w", m.Name, err)
		}
		if err := p.Engine.VolumeCreate(ctx, m.Name, p.volumeLabels(infra, m)); err != nil {
			return fmt.Errorf("create volume %s: %w", m.Name, err)
		}
	}
	return nil
}
