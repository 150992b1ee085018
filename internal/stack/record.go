package stack

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/crispify/crispify/internal/docker"
	"github.com/crispify/crispify/internal/manifest"
)

// A supervisor records, in the user's cache, which manifest it runs and
// where its files are, so that decrispify finds it when that manifest has
// become unreadable or is gone: a running stack can always be stopped.
// The record goes with the supervisor; one a killed supervisor left names
// a project and workspace where nothing answers, which stops nothing.

// record is one supervisor's entry.
type record struct {
	Manifest  string `json:"manifest"`
	Project   string `json:"project"`
	Workspace string `json:"workspace"`
	PID       int    `json:"pid"`
}

// recordDir is where the records are: per user, beside crispify's cache.
func recordDir() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "crispify", "supervisors")
}

// record is the path of f's record: one per project and workspace.
func (f files) record() string {
	sum := sha256.Sum256([]byte(f.dir))
	return filepath.Join(recordDir(), f.project+"-"+hex.EncodeToString(sum[:6])+".json")
}

// writeRecord records that this process supervises f from manifestPath.
// Its caller holds f's lock. A failure only costs decrispify the way back
// from a broken manifest; it is returned for the log.
func writeRecord(f files, manifestPath string) error {
	b, _ := json.Marshal(record{Manifest: manifestPath, Project: f.project, Workspace: filepath.Dir(f.dir), PID: os.Getpid()})
	if err := os.MkdirAll(recordDir(), 0o700); err != nil {
		return err
	}
	tmp := f.record() + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, f.record())
}

// removeRecord removes f's record; its caller holds f's lock.
func removeRecord(f files) { os.Remove(f.record()) }

// Recorded is a stack known only from its supervisor's record, or from a
// project and workspace the user named: the manifest it ran from cannot be
// read. Its manifest holds the project and workspace alone; DiscoverInfra
// fills its infra from the engine, by the project's label.
func Recorded(project, workspace, manifestPath string, connect Connector) (*Stack, error) {
	if err := manifest.CheckProject(project); err != nil {
		return nil, err
	}
	ws, err := filepath.Abs(workspace)
	if err != nil {
		return nil, fmt.Errorf("workspace %s: %w", workspace, err)
	}
	m := &manifest.Manifest{Version: 1, Project: project, WorkspaceDir: ws, File: manifestPath, Dir: filepath.Dir(manifestPath)}
	return &Stack{Manifest: m, Connect: connect, recorded: true}, nil
}

// RecordedFor returns the stacks whose supervisor recorded manifestPath as
// its manifest, most recent first; none when no supervisor did.
func RecordedFor(manifestPath string, connect Connector) []*Stack {
	abs, err := filepath.Abs(manifestPath)
	if err != nil {
		return nil
	}
	entries, _ := os.ReadDir(recordDir())
	var out []*Stack
	for _, e := range entries {
		path := filepath.Join(recordDir(), e.Name())
		if !strings.HasSuffix(path, ".json") {
			continue
		}
		b, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		var r record
		if json.Unmarshal(b, &r) != nil || manifest.CheckProject(r.Project) != nil {
			os.Remove(path) // not one of ours: nothing can be stopped from it
			continue
		}
		f := files{dir: filepath.Join(r.Workspace, ".crispify"), project: r.Project}
		if r.Manifest != abs {
			pruneRecord(f)
			continue
		}
		if st, err := Recorded(r.Project, r.Workspace, r.Manifest, connect); err == nil {
			out = append(out, st)
		}
	}
	return out
}

// pruneRecord removes the record of a supervisor that is gone (killed: it
// could not remove it), as records are read: no supervisor holds its lock,
// or its state folder is gone.
func pruneRecord(f files) {
	if _, err := os.Stat(f.lock()); err != nil || lockFree(f) {
		removeRecord(f)
	}
}

// DiscoverInfra fills a recorded stack's infra with the containers that
// carry its project's label, so that a teardown removes them as it would
// the manifest's own; a stack read from its manifest is left as it is.
func (st *Stack) DiscoverInfra(ctx context.Context) error {
	if !st.recorded {
		return nil
	}
	engine, _, err := st.Connect(ctx)
	if err != nil {
		return err
	}
	list, err := engine.ContainerList(ctx, map[string]string{docker.LabelProject: st.Manifest.Project})
	if err != nil {
		return fmt.Errorf("list containers of project %s: %w", st.Manifest.Project, err)
	}
	st.Manifest.Infra = map[string]*manifest.Infra{}
	for _, c := range list {
		if name := c.Labels[docker.LabelInfra]; name != "" {
			st.Manifest.Infra[name] = &manifest.Infra{Image: c.Image}
		}
	}
	return nil
}

// IsRecorded says the stack is known from its supervisor's record (or a
// project and workspace named), not from a manifest that could be read.
func (st *Stack) IsRecorded() bool { return st.recorded }
