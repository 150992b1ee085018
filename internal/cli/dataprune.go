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

// DataPruneOptions are the inputs of `crispify data prune`.
type DataPruneOptions struct {
	Deps   *Deps
	Global *GlobalOptions
	Yes    bool
}

// NewCmdDataPrune builds `crispify data prune`.
func NewCmdDataPrune(deps *Deps, g *GlobalOptions, runF func(context.Context, *DataPruneOptions) error) *cobra.Command {
	opts := &DataPruneOptions{Deps: deps, Global: g}
	cmd := &cobra.Command{
		Use:   "prune [--yes]",
		Short: "Remove the data of branches no repo has any more",
		Long: `Remove the data of every branch that none of the stack's repos has any more,
locally or on origin as last fetched (nothing is fetched: git fetch --prune
first to forget branches deleted on origin). The branches are listed and asked
for on a terminal, --yes elsewhere. The manifest's branch and the branch the
infra run on are never removed; snapshots are kept (crispify data rm).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return dataPruneRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "do not ask before removing")
	return cmd
}

func dataPruneRun(ctx context.Context, opts *DataPruneOptions) error {
	io := opts.Deps.IO
	st, err := opts.Global.openStack(opts.Deps)
	if err != nil {
		return err
	}
	gone, err := st.DataGone(ctx)
	if err != nil {
		return failed(err)
	}
	if len(gone) == 0 {
		fmt.Fprintln(io.ErrOut, "no data of a branch gone: every branch with data is in a repo")
		return nil
	}
	lines := make([]string, len(gone))
	names := make([]string, len(gone))
	for i, b := range gone {
		names[i] = b.Name
		lines[i] = fmt.Sprintf("%s (%s: %s)", b.Name, stack.Bytes(b.Size), strings.Join(b.Volumes, ", "))
	}
	if !opts.Yes {
		if !io.InTTY {
			return usageErrorf("prune would remove the data of %d branches no repo has (%s): add --yes to confirm", len(gone), strings.Join(names, ", "))
		}
		fmt.Fprintf(io.ErrOut, "No repo has these branches any more; this removes their data:\n  %s\nRemove it? [y/N] ", strings.Join(lines, "\n  "))
		answer, _ := bufio.NewReader(io.In).ReadString('\n')
		if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
			fmt.Fprintln(io.ErrOut, "nothing removed")
			return &ExitError{Code: ExitFailed}
		}
	}
	var removed []string
	return opts.Global.show(ctx, io, st.Manifest, nil,
		func(sink event.Sink) (err error) {
			removed, err = st.DataPrune(ctx, names, sink)
			return err
		},
		func() {
			if len(removed) > 0 {
				fmt.Fprintf(io.Out, "the data of %s removed (%d volumes)\n", strings.Join(names, ", "), len(removed))
			}
		})
}
