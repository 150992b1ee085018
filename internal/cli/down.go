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
	// AllBranches removes every branch's data and the snapshots too; it
	// implies Volumes.
	AllBranches bool
	Yes         bool
}

// NewCmdDown builds `crispify down`; decrispify runs the same command.
func NewCmdDown(deps *Deps, g *GlobalOptions, runF func(context.Context, *DownOptions) error) *cobra.Command {
	opts := &DownOptions{Deps: deps, Global: g}
	cmd := &cobra.Command{
		Use:   "down [--volumes [--all-branches] [--yes]]",
		Short: "Tear the stack down: stop and remove the containers and network, keep repos and data",
		Long: `Stop the project's workers (through its supervisor, foreground or detached,
those that need others first), then stop the project's containers and remove
them and its network. Repos are always kept; data volumes too, unless --volumes:
it removes the data the stack runs on (the current branch's, and the shared
data), keeping the other branches' and the snapshots; --all-branches removes
those too. Either is asked for on a terminal, --yes elsewhere, before anything
is stopped, naming whose data goes. Only what carries this project's label is
touched.`,
		Example: `  decrispify                     # end of day
  decrispify --volumes           # and wipe the current branch's databases
  decrispify --all-branches      # and every branch's, and the snapshots`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.Volumes = opts.Volumes || opts.AllBranches
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return downRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Volumes, "volumes", false, "also remove the current branch's data volumes")
	cmd.Flags().BoolVar(&opts.AllBranches, "all-branches", false, "with --volumes: every branch's data and the snapshots too")
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
			report, err = st.Down(ctx, stack.DownOptions{Volumes: opts.Volumes, AllBranches: opts.AllBranches, RemoveVolumes: opts.Global.hintDown(opts.Deps, removeFlag(opts))}, sink)
			return err
		},
		func() { fmt.Fprintln(io.Out, report.Summary) })
}

// removeFlag is the flag that removes the volumes a teardown keeps.
func removeFlag(opts *DownOptions) string {
	if opts.Volumes {
		return "--volumes --all-branches"
	}
	return "--volumes"
}

// confirmVolumes asks before data is removed, naming whose data goes and
// whose stays: on a terminal with a prompt, elsewhere only --yes will do.
// Nothing is stopped before the answer.
func confirmVolumes(ctx context.Context, opts *DownOptions, st *stack.Stack) (bool, error) {
	io := opts.Deps.IO
	vols, err := st.DownVolumes(ctx, opts.AllBranches)
	if err != nil {
		return false, failed(err)
	}
	n := stack.Count(vols.Remove)
	if n == 0 {
		return true, nil
	}
	kept := ""
	if len(vols.Keep) > 0 {
		kept = fmt.Sprintf("; kept: %s (--all-branches removes them too)", holders(vols.Keep))
	}
	if !io.InTTY {
		return false, usageErrorf("--volumes would remove %d volumes and their data: %s%s: add --yes to confirm", n, holders(vols.Remove), kept)
	}
	fmt.Fprintf(io.ErrOut, "This removes %d volumes and all their data:\n", n)
	for _, g := range vols.Remove {
		fmt.Fprintf(io.ErrOut, "  %s: %s\n", g.What, strings.Join(g.Volumes, ", "))
	}
	if len(vols.Keep) > 0 {
		fmt.Fprintf(io.ErrOut, "It keeps %s (--all-branches removes them too).\n", holders(vols.Keep))
	}
	fmt.Fprint(io.ErrOut, "Remove them? [y/N] ")
	answer, _ := bufio.NewReader(io.In).ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(answer)) {
	case "y", "yes":
		return true, nil
	}
	fmt.Fprintln(io.ErrOut, "nothing removed")
	return false, &ExitError{Code: ExitFailed}
}

// holders names the groups' holders: "branch feature (2 volumes), snapshot s1 (3 volumes)".
func holders(groups []stack.VolumeGroup) string {
	parts := make([]string, len(groups))
	for i, g := range groups {
		parts[i] = fmt.Sprintf("%s (%d volumes)", g.What, len(g.Volumes))
	}
	return strings.Join(parts, ", ")
}
