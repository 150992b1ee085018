package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/crispify/crispify/internal/docker"
	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/manifest"
	"github.com/crispify/crispify/internal/workers"
)

// DownOptions are the inputs of `crispify down` and `decrispify`.
type DownOptions struct {
	Deps    *Deps
	Global  *GlobalOptions
	Volumes bool
	Yes     bool
}

// NewCmdDown builds `crispify down`; decrispify runs the same command.
func NewCmdDown(deps *Deps, g *GlobalOptions, runF func(context.Context, *DownOptions) error) *cobra.Command {
	opts := &DownOptions{Deps: deps, Global: g}
	cmd := &cobra.Command{
		Use:   "down [--volumes [--yes]]",
		Short: "Tear the stack down: stop and remove the containers and network, keep repos and data",
		Long: `Stop the project's containers and remove them and its network. Repos are
always kept; data volumes too, unless --volumes (asked for on a terminal,
--yes elsewhere). Only what carries this project's label is touched.`,
		Example: `  decrispify                     # before switching branches
  decrispify --volumes           # and wipe the databases`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return downRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Volumes, "volumes", false, "also remove the project's data volumes")
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "do not ask before removing volumes")
	return cmd
}

func downRun(ctx context.Context, opts *DownOptions) error {
	io := opts.Deps.IO
	m, err := opts.Global.LoadManifest(io)
	if err != nil {
		return err
	}
	// Workers first: they use the infra. Nothing of crispify's survives.
	workersStopped, workersErr := stopWorkers(context.WithoutCancel(ctx), m)
	if workersErr != nil && len(m.Infra) == 0 {
		return failed(workersErr)
	}
	if len(m.Infra) == 0 {
		fmt.Fprintf(io.Out, "project %s: %s; repos kept\n", m.Project, workersStopped)
		return nil
	}
	engine, _, err := opts.Deps.Docker(ctx)
	if err != nil {
		return failed(errors.Join(workersErr, err))
	}
	if opts.Volumes && !opts.Yes {
		ok, err := confirmVolumes(ctx, opts, engine, m.Project)
		if err != nil || !ok {
			return err
		}
	}
	out, err := opts.Global.startStream(ctx, io, m, nil)
	if err != nil {
		return err
	}
	tally := event.NewTally(out)
	p := &docker.Project{Engine: engine, Manifest: m, Sink: tally}
	// A boot of the project in another terminal ends its infra first.
	downErr := p.Lock(ctx, m.InfraNames())
	var report docker.DownReport
	if downErr == nil {
		// Teardown runs to its end even after Ctrl-C: half a teardown helps no one.
		report, downErr = p.Down(context.WithoutCancel(ctx), opts.Volumes)
		p.Unlock()
	}
	downErr = errors.Join(workersErr, downErr)
	summary := downSummary(m.Project, report, workersStopped)
	end := event.Event{Kind: event.Stack, Phase: event.Done, Counts: tally.Counts(), Msg: summary}
	if downErr != nil {
		end.Phase, end.Error = event.Failed, downErr.Error()
	}
	tally.Emit(end)
	if err := out.Close(); err != nil {
		return err
	}
	if out.mode != OutputJSON {
		fmt.Fprintln(io.Out, summary)
	}
	if downErr != nil {
		return failed(downErr)
	}
	return nil
}

// stopWorkers stops the supervisor of this workspace, foreground or
// detached, and ends whatever an earlier crispify left running.
func stopWorkers(ctx context.Context, m *manifest.Manifest) (string, error) {
	said := "no workers were running"
	client, err := workers.Dial(ctx, m.StateDir())
	switch {
	case err == nil:
		if err := client.Stop(ctx); err != nil {
			return said, fmt.Errorf("stop the supervisor (pid %d): %w: try `kill %d`", client.PID(), err, client.PID())
		}
		said = "workers stopped"
	case !errors.Is(err, workers.ErrNoDaemon):
		return said, fmt.Errorf("reach the supervisor of %s: %w", m.WorkspaceDir, err)
	}
	ended, err := workers.EndLeftovers(ctx, m.StateDir(), event.Discard)
	if err != nil {
		return said, err
	}
	if len(ended) > 0 {
		said = fmt.Sprintf("ended workers left running by an earlier crispify: %s", strings.Join(ended, ", "))
	}
	return said, nil
}

func downSummary(project string, r docker.DownReport, workersStopped string) string {
	parts := []string{workersStopped}
	parts = append(parts, fmt.Sprintf("%d containers removed", len(r.Containers)))
	if r.Network {
		parts = append(parts, "network "+project+" gone")
	}
	if len(r.Volumes) > 0 {
		parts = append(parts, fmt.Sprintf("%d volumes removed", len(r.Volumes)))
	} else {
		parts = append(parts, "volumes kept")
	}
	summary := "project " + project + ": " + strings.Join(parts, ", ") + "; repos kept"
	if n := len(r.Unnamed); n > 0 {
		summary += fmt.Sprintf("; the images' unnamed volumes (%d) stay on disk and the next boot will not reuse them (name a volume in the manifest to keep such data); to free them: docker volume rm %s", n, strings.Join(r.Unnamed, " "))
	}
	return summary
}

// confirmVolumes asks before data is removed: on a terminal with a prompt,
// elsewhere only --yes will do.
func confirmVolumes(ctx context.Context, opts *DownOptions, engine docker.Engine, project string) (bool, error) {
	io := opts.Deps.IO
	vols, err := engine.VolumeList(ctx, map[string]string{docker.LabelProject: project})
	if err != nil {
		return false, failed(fmt.Errorf("list volumes of project %s: %w", project, err))
	}
	if len(vols) == 0 {
		return true, nil
	}
	names := make([]string, len(vols))
	for i, v := range vols {
		names[i] = v.Name
	}
	if !io.InTTY {
		return false, usageErrorf("--volumes would remove %d volumes and their data (%s): add --yes to confirm", len(vols), strings.Join(names, ", "))
	}
	fmt.Fprintf(io.ErrOut, "This removes %d volumes and all their data:\n  %s\nRemove them? [y/N] ", len(vols), strings.Join(names, "\n  "))
	answer, _ := bufio.NewReader(io.In).ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(answer)) {
	case "y", "yes":
		return true, nil
	}
	fmt.Fprintln(io.ErrOut, "nothing removed")
	return false, &ExitError{Code: ExitFailed}
}
