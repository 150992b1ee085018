package cli

import (
	"bufio"
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/crispify/crispify/internal/event"
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
	// A teardown runs to its end even after Ctrl-C: it is not interrupted.
	var report stack.DownReport
	return opts.Global.show(context.WithoutCancel(ctx), io, st.Manifest, nil,
		func(sink event.Sink) (err error) {
			report, err = st.Down(ctx, stack.DownOptions{Volumes: opts.Volumes, RemoveVolumes: opts.Global.hintDown(opts.Deps, "--volumes")}, sink)
			return err
		},
		func() { fmt.Fprintln(io.Out, report.Summary) })
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
