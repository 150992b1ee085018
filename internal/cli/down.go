package cli

import (
	"bufio"
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/manifest"
	"github.com/crispify/crispify/internal/stack"
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
		Long: `Stop the project's workers (through its supervisor, foreground or detached,
those that need others first), then stop the project's containers and remove
them and its network. Repos are always kept; data volumes too, unless --volumes
(asked for on a terminal, --yes elsewhere, before anything is stopped). Only
what carries this project's label is touched.`,
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
	st, err := opts.Global.openStack(opts.Deps)
	if err == nil {
		return downStack(ctx, opts, st)
	}
	// A manifest broken or gone must not keep a stack running: stop what
	// its supervisor recorded, or the project and workspace named.
	stacks, rerr := opts.Global.recordedStacks(ctx, opts.Deps, err)
	if rerr != nil {
		return rerr
	}
	var first error
	for _, st := range stacks {
		if err := downStack(ctx, opts, st); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// downStack tears one stack down.
func downStack(ctx context.Context, opts *DownOptions, st *stack.Stack) error {
	io := opts.Deps.IO
	if opts.Volumes && !opts.Yes && len(st.Manifest.Infra) > 0 {
		ok, err := confirmVolumes(ctx, opts, st)
		if err != nil || !ok {
			return err
		}
	}
	out, err := opts.Global.startStream(ctx, io, st.Manifest, nil)
	if err != nil {
		return err
	}
	tally := event.NewTally(out)
	report, downErr := st.Down(ctx, opts.Volumes, tally)
	summary := downSummary(st.Manifest, report, opts.Global.hintDown(opts.Deps, "--volumes"))
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

// downSummary says what a teardown did, and of what it kept, which
// volumes and the command that removes them (removeVolumes).
func downSummary(m *manifest.Manifest, r stack.DownReport, removeVolumes string) string {
	parts := []string{r.Workers}
	if len(m.Infra) > 0 {
		parts = append(parts, fmt.Sprintf("%d containers removed", len(r.Containers)))
		if r.Network {
			parts = append(parts, "network "+m.Project+" gone")
		}
		switch {
		case len(r.Volumes) > 0:
			parts = append(parts, fmt.Sprintf("%d volumes removed", len(r.Volumes)))
		case len(r.Kept) > 0:
			parts = append(parts, fmt.Sprintf("volumes kept (%s: `%s` removes them)", strings.Join(r.Kept, ", "), removeVolumes))
		default:
			parts = append(parts, "volumes kept")
		}
	}
	summary := "project " + m.Project + ": " + strings.Join(parts, ", ") + "; repos kept"
	if n := len(r.Unnamed); n > 0 {
		summary += fmt.Sprintf("; the images' unnamed volumes (%d), made by an older crispify, stay on disk and the next boot will not reuse them; to free them: docker volume rm %s", n, strings.Join(r.Unnamed, " "))
	}
	return summary
}

// confirmVolumes asks before data is removed: on a terminal with a prompt,
// elsewhere only --yes will do. Nothing is stopped before the answer.
func confirmVolumes(ctx context.Context, opts *DownOptions, st *stack.Stack) (bool, error) {
	io := opts.Deps.IO
	names, err := st.Volumes(ctx)
	if err != nil {
		return false, failed(err)
	}
	if len(names) == 0 {
		return true, nil
	}
	if !io.InTTY {
		return false, usageErrorf("--volumes would remove %d volumes and their data (%s): add --yes to confirm", len(names), strings.Join(names, ", "))
	}
	fmt.Fprintf(io.ErrOut, "This removes %d volumes and all their data:\n  %s\nRemove them? [y/N] ", len(names), strings.Join(names, "\n  "))
	answer, _ := bufio.NewReader(io.In).ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(answer)) {
	case "y", "yes":
		return true, nil
	}
	fmt.Fprintln(io.ErrOut, "nothing removed")
	return false, &ExitError{Code: ExitFailed}
}
