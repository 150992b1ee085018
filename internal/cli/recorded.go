package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/crispify/crispify/internal/stack"
)

// recordedStacks are the stacks decrispify stops when the manifest cannot
// be read (loadErr says why): the project and workspace named by --project
// and --workspace (or their variables), else those whose supervisor
// recorded this manifest as its own. With none, loadErr is the answer,
// with the way to name them.
func (g *GlobalOptions) recordedStacks(ctx context.Context, deps *Deps, loadErr error) ([]*stack.Stack, error) {
	io := deps.IO
	project, workspace := g.Project, g.Workspace
	if project == "" {
		project = io.Getenv("CRISPIFY_PROJECT")
	}
	if workspace == "" {
		workspace = io.Getenv("CRISPIFY_WORKSPACE")
	}
	path, _ := filepath.Abs(g.manifestPath(io))
	var stacks []*stack.Stack
	from := "from what its supervisor recorded"
	if project != "" && workspace != "" {
		from = "as named"
		st, err := stack.Recorded(project, workspace, path, deps.Docker)
		if err != nil {
			return nil, &ExitError{Code: ExitUsage, Err: err}
		}
		stacks = append(stacks, st)
	} else {
		stacks = stack.RecordedFor(path, deps.Docker)
	}
	if len(stacks) == 0 {
		fmt.Fprintf(io.ErrOut, "crispify: no running stack recorded %s as its manifest; a stack of another manifest stops with `decrispify --project NAME --workspace DIR`\n", path)
		return nil, loadErr
	}
	why := "is broken"
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		why = "is gone"
	}
	for _, st := range stacks {
		m := st.Manifest
		fmt.Fprintf(io.ErrOut, "crispify: the manifest %s %s (%s): stopping project %s of %s %s\n", path, why, firstLine(loadErr.Error()), m.Project, m.WorkspaceDir, from)
		if err := st.DiscoverInfra(ctx); err != nil {
			fmt.Fprintf(io.ErrOut, "crispify: project %s: its containers cannot be listed: %v\n", m.Project, err)
		}
	}
	return stacks, nil
}
