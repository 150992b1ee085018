package stack

import (
	"context"
	"fmt"
	"slices"

	"github.com/crispify/crispify/internal/docker"
	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/manifest"
)

// The verbs of `crispify data`: snapshots of the infra's data (save,
// restore, ls, rm) and the data of branches no repo has any more (prune).
// Each works on the data branch the infra run on, which the last switch
// recorded (switch.json), under the project's lock, as the docker layer
// requires of every data call.

// Snapshot is a saved copy of a data branch's volumes.
type Snapshot = docker.Snapshot

// DataBranch is a data branch that has volumes on the engine.
type DataBranch = docker.DataBranch

// currentData is the data branch the infra run on: what the last switch
// recorded (dataBranch), else the manifest's branch, by name.
func currentData(m *manifest.Manifest) (string, error) {
	b, err := dataBranch(m)
	return dataNamed(m, b), err
}

// ShownData is the data branch a board's header names: the one the infra
// run on as the last switch recorded; "" for a stack without infra whose
// data forks, or when switch.json cannot be read (a header is no place
// for its error: every command that needs the branch says it).
func ShownData(m *manifest.Manifest) string {
	forks := false
	for _, in := range m.Infra {
		forks = forks || !in.SharedData()
	}
	if !forks {
		return ""
	}
	b, err := currentData(m)
	if err != nil {
		return ""
	}
	return b
}

// dataProject is the stack's infra on its engine, on the data branch the
// last switch left it on (st.project reads it), reporting to sink; an
// error for a stack without infra, which has no data.
func (st *Stack) dataProject(ctx context.Context, sink event.Sink) (*docker.Project, error) {
	if len(st.Manifest.Infra) == 0 {
		return nil, fmt.Errorf("project %s has no infra, so no data", st.Manifest.Project)
	}
	return st.project(ctx, sink)
}

// locked runs work with the project's lock held: no boot, teardown or
// switch of the project changes its containers or volumes meanwhile.
func (st *Stack) locked(ctx context.Context, sink event.Sink, work func(p *docker.Project) error) error {
	p, err := st.dataProject(ctx, sink)
	if err != nil {
		return err
	}
	if err := p.Lock(ctx, st.Manifest.InfraNames()); err != nil {
		return err
	}
	defer p.Unlock()
	return work(p)
}

// DataSave saves the current data branch's volumes as snapshot name
// (`crispify data save`), with the infra stopped and started again (see
// stilled); env is the user's, for the workers a supervisor starts again.
// It reports between the stack's started and done events.
func (st *Stack) DataSave(ctx context.Context, name string, env []string, sink event.Sink) (Snapshot, error) {
	var snap Snapshot
	what := "save snapshot " + name
	_, err := command(sink, what+" of project "+st.Manifest.Project, func(sink event.Sink) (string, error) {
		if have, err := st.hasSnapshot(ctx, name); err != nil {
			return "", err
		} else if have {
			// Said before anything stops; SaveSnapshot refuses it too.
			return "", fmt.Errorf("%s: a snapshot of that name exists: choose another name, or remove it first with `crispify data rm %s`", what, name)
		}
		err := st.stilled(ctx, what, env, sink, func(p *docker.Project) (err error) {
			snap, err = p.SaveSnapshot(ctx, name)
			return err
		})
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("snapshot %s saved from the data of branch %s: %d volumes, %s", snap.Name, snap.Branch, len(snap.Volumes), Bytes(snap.Size)), nil
	})
	return snap, err
}

// DataRestore puts snapshot name's data back on the current data branch
// (`crispify data restore`), in place of what it has, with the infra
// stopped and started again as DataSave does.
func (st *Stack) DataRestore(ctx context.Context, name string, env []string, sink event.Sink) error {
	what := "restore snapshot " + name
	_, err := command(sink, what+" of project "+st.Manifest.Project, func(sink event.Sink) (string, error) {
		if have, err := st.hasSnapshot(ctx, name); err != nil {
			return "", err
		} else if !have {
			// Said before anything stops; RestoreSnapshot refuses it too.
			return "", fmt.Errorf("%s: there is none of that name: `crispify data ls` lists them", what)
		}
		branch := ""
		err := st.stilled(ctx, what, env, sink, func(p *docker.Project) error {
			branch = p.CurrentDataBranch()
			return p.RestoreSnapshot(ctx, name)
		})
		if err != nil {
			return "", err
		}
		return "snapshot " + name + " restored onto the data of branch " + branch, nil
	})
	return err
}

// DataList lists the project's snapshots, newest first (`crispify data
// ls`).
func (st *Stack) DataList(ctx context.Context) ([]Snapshot, error) {
	var out []Snapshot
	err := st.locked(ctx, event.Discard, func(p *docker.Project) (err error) {
		out, err = p.Snapshots(ctx)
		return err
	})
	return out, err
}

// hasSnapshot reports whether snapshot name exists: a save or restore
// refused for it is refused before anything stops.
func (st *Stack) hasSnapshot(ctx context.Context, name string) (bool, error) {
	list, err := st.DataList(ctx)
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(list, func(s Snapshot) bool { return s.Name == name }), nil
}

// DataRemove removes snapshot name (`crispify data rm`); it returns the
// volumes removed.
func (st *Stack) DataRemove(ctx context.Context, name string) ([]string, error) {
	var removed []string
	err := st.locked(ctx, event.Discard, func(p *docker.Project) (err error) {
		removed, err = p.RemoveSnapshot(ctx, name)
		return err
	})
	return removed, err
}

// Bytes says a size as people read it: 12.0 MB; "size unknown" for -1,
// what the engine did not say.
func Bytes(n int64) string {
	if n < 0 {
		return "size unknown"
	}
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "kMGTPE"[exp])
}
