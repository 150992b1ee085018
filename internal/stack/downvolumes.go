package stack

import (
	"context"
	"slices"

	"github.com/crispify/crispify/internal/docker"
	"github.com/crispify/crispify/internal/event"
)

// A teardown with --volumes removes the data the stack runs on: the
// current data branch's volumes, and those of infra with `data: shared`,
// which every branch runs on. The other branches' data and the snapshots
// stay, unless --all-branches, which removes every volume of the project
// (docs/decisions.md, "Branch data").

// VolumeGroup is the volumes of one holder of data: a data branch, the
// shared data, a snapshot, or copies cut off before their end.
type VolumeGroup struct {
	// What names the holder: "branch feature", "shared data",
	// "snapshot before-migration", "half copies".
	What    string
	Volumes []string
}

// DownVolumes says which volumes a teardown with --volumes removes and
// which it keeps, by holder: what the prompt names.
type DownVolumes struct {
	Remove, Keep []VolumeGroup
}

// Count is the number of volumes in groups.
func Count(groups []VolumeGroup) int {
	n := 0
	for _, g := range groups {
		n += len(g.Volumes)
	}
	return n
}

// DownVolumes lists what `decrispify --volumes` removes and keeps; with
// all (--all-branches), it removes every volume of the project. The list
// is of this owner's volumes only (docker.Project.Volumes).
func (st *Stack) DownVolumes(ctx context.Context, all bool) (DownVolumes, error) {
	var out DownVolumes
	p, err := st.downProject(ctx, nil)
	if err != nil {
		return out, err
	}
	remove, err := st.removing(p, all)
	if err != nil {
		return out, err
	}
	vols, _, err := p.Volumes(ctx)
	if err != nil {
		return out, err
	}
	removeBy, keepBy := map[string][]string{}, map[string][]string{}
	for _, v := range vols {
		what := st.holder(p, v)
		if remove(v) {
			removeBy[what] = append(removeBy[what], v.Name)
		} else {
			keepBy[what] = append(keepBy[what], v.Name)
		}
	}
	return DownVolumes{Remove: groups(removeBy), Keep: groups(keepBy)}, nil
}

// downProject is the stack's infra for a teardown, which removes every
// container whatever data branch it mounts: unlike st.project it does not
// read switch.json, so that a file gone bad never keeps a stack up (the
// volumes are then kept, removing says why).
func (st *Stack) downProject(ctx context.Context, sink event.Sink) (*docker.Project, error) {
	engine, ep, err := st.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return docker.NewProject(docker.ProjectOptions{Engine: engine, Manifest: st.Manifest, Sink: sink, Local: ep.Local()}), nil
}

// removing says which volumes a teardown with --volumes removes: with all,
// every one; else those DownVolumes says the stack runs on.
func (st *Stack) removing(p *docker.Project, all bool) (func(docker.Volume) bool, error) {
	if all {
		return func(docker.Volume) bool { return true }, nil
	}
	current, err := currentData(st.Manifest)
	if err != nil {
		return nil, err
	}
	return func(v docker.Volume) bool {
		switch what := st.holder(p, v); what {
		case "shared data":
			return true
		default:
			return what == "branch "+current
		}
	}, nil
}

// holder names whose data volume v holds, for the prompt and for removing.
func (st *Stack) holder(p *docker.Project, v docker.Volume) string {
	if v.Labels[docker.LabelCopyMarker] != "" {
		return "half copies" // the marker; the next data command removes them
	}
	branch, snapshot := p.VolumeBranch(v)
	if snapshot != "" {
		return "snapshot " + snapshot
	}
	if in := st.Manifest.Infra[v.Labels[docker.LabelInfra]]; in != nil && in.SharedData() {
		return "shared data"
	}
	return "branch " + branch
}

// groups are the volumes by holder, holders and volumes sorted.
func groups(by map[string][]string) []VolumeGroup {
	out := make([]VolumeGroup, 0, len(by))
	for _, what := range sortedKeys(by) {
		vols := by[what]
		slices.Sort(vols)
		out = append(out, VolumeGroup{What: what, Volumes: vols})
	}
	return out
}
