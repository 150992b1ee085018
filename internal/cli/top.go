package cli

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"

	"github.com/spf13/cobra"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/ui"
)

// TopOptions are the inputs of `crispify top`.
type TopOptions struct {
	Deps   *Deps
	Global *GlobalOptions
	Memory bool
	JSON   bool
}

// NewCmdTop builds `crispify top`: what the fan is spinning for.
func NewCmdTop(deps *Deps, g *GlobalOptions, runF func(context.Context, *TopOptions) error) *cobra.Command {
	opts := &TopOptions{Deps: deps, Global: g}
	cmd := &cobra.Command{
		Use:   "top [--memory] [--json]",
		Short: "The running workers and containers, the costliest first: CPU, or memory",
		Long: `Show the running workers and infra containers ordered by CPU (percent of
one core, as top says it; a worker's whole process group, children
included), or by memory with --memory (resident; a container's without
page cache). The figures are those of crispify status, taken at once.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return topRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Memory, "memory", false, "order by memory rather than CPU")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the rows as status --json does, in this order")
	return cmd
}

func topRun(ctx context.Context, opts *TopOptions) error {
	st, err := opts.Global.openStack(opts.Deps)
	if err != nil {
		return err
	}
	rows, _, err := st.Status(ctx)
	if err != nil && rows == nil {
		return failed(err)
	}
	rows = topRows(rows, opts.Memory)
	io := opts.Deps.IO
	if opts.JSON {
		enc := json.NewEncoder(io.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	table := make([]ui.Row, len(rows))
	for i, r := range rows {
		table[i] = ui.Row{Cells: []string{r.Name, r.Kind, ui.Percent(*r.CPU), ui.Size(*r.Memory), r.State},
			Class: ui.ClassOf(event.Phase(r.State)), StateColumn: 4}
	}
	ui.Table(io.Out, io.Colour(opts.Global.NoColour, io.OutTTY), []string{"NAME", "KIND", "CPU", "MEMORY", "STATE"}, table)
	return nil
}

// topRows are the rows with figures, the costliest first (CPU, or memory
// when byMemory), then by name.
func topRows(rows []StatusRow, byMemory bool) []StatusRow {
	out := slices.DeleteFunc(slices.Clone(rows), func(r StatusRow) bool { return r.CPU == nil || r.Memory == nil })
	slices.SortStableFunc(out, func(a, b StatusRow) int {
		c := cmp.Compare(*b.CPU, *a.CPU)
		if byMemory {
			c = cmp.Compare(*b.Memory, *a.Memory)
		}
		if c != 0 {
			return c
		}
		return cmp.Compare(a.Kind+" "+a.Name, b.Kind+" "+b.Name)
	})
	return out
}
