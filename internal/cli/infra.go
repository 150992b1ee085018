package cli

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/stack"
	"github.com/crispify/crispify/internal/ui"
)

// InfraOptions are the inputs of `crispify infra`.
type InfraOptions struct {
	Deps   *Deps
	Global *GlobalOptions
	Pull   bool
	Names  []string
}

// NewCmdInfra builds `crispify infra`.
func NewCmdInfra(deps *Deps, g *GlobalOptions, runF func(context.Context, *InfraOptions) error) *cobra.Command {
	opts := &InfraOptions{Deps: deps, Global: g}
	cmd := &cobra.Command{
		Use:   "infra [--pull] [NAME...]",
		Short: "Start the infrastructure containers and wait until they are healthy",
		Long: `Make the named infra containers (default: all) exist, run and be healthy,
with the infra they need first. A running container whose configuration is
unchanged is left alone; a changed one is recreated, its volumes kept.`,
		Example: `  crispify infra                 # all of them
  crispify infra mysql           # mysql and what it needs
  crispify infra --pull          # ask the registry for newer images first`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Names = args
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return infraRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Pull, "pull", false, "pull newer images even when present")
	return cmd
}

func infraRun(ctx context.Context, opts *InfraOptions) error {
	io := opts.Deps.IO
	st, err := opts.Global.openStack(opts.Deps)
	if err != nil {
		return err
	}
	names, err := stack.SelectInfra(st.Manifest, opts.Names)
	if err != nil {
		return exitFor(err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ctrl := &controller{quit: cancelOnQuit(cancel), items: stackItems{st}, logs: st}
	var res stack.Result
	return opts.Global.show(ctx, io, st.Manifest, &screen{endpoint: st.EndpointName(), infra: names, ctrl: ctrl},
		func(sink event.Sink) (err error) {
			res, err = st.Infra(ctx, names, opts.Pull, sink)
			return err
		},
		func() { printSettled(io, opts.Global.NoColour, res.Settled, "INFRA") })
}

// printSettled prints the summary table of a run: each item, its final
// state and why.
func printSettled(io *IOStreams, noColour bool, settled []event.Event, heading string) {
	if len(settled) == 0 {
		return
	}
	rows := make([]ui.Row, 0, len(settled))
	for _, e := range settled {
		detail := strings.Join(e.Ports, " ")
		if e.Error != "" {
			detail = firstLine(e.Error)
		} else if e.Msg != "" {
			detail = strings.TrimSpace(detail + " " + e.Msg)
		}
		name := e.Name
		if heading == "ITEM" { // a table of several kinds names each
			name = string(e.Kind) + " " + e.Name
		}
		rows = append(rows, ui.Row{Cells: []string{name, string(e.Phase), detail}, Class: ui.ClassOf(e.Phase), StateColumn: 1})
	}
	ui.Table(io.Out, io.Colour(noColour, io.OutTTY), []string{heading, "STATE", "DETAIL"}, rows)
}

// firstLine keeps tables one row per item; the whole error is printed once,
// at the end.
func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
