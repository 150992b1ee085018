package cli

import (
	"context"
	"fmt"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/stack"
	"github.com/crispify/crispify/internal/ui"
)

// dryRun prints the plan of a boot, `crispify --dry-run`.
func dryRun(ctx context.Context, opts *LocalOptions, st *stack.Stack, req stack.Request) error {
	return opts.Global.showPlan(opts.Deps.IO, func(sink event.Sink) (stack.Result, error) {
		return st.Plan(ctx, req, sink)
	})
}

// showPlan prints the plan that plan emits, changing nothing: one line per
// step (NDJSON plan events with --output json, a table otherwise).
func (g *GlobalOptions) showPlan(io *IOStreams, plan func(event.Sink) (stack.Result, error)) error {
	var steps []event.Event
	var sink event.Sink = event.SinkFunc(func(e event.Event) {
		if e.Kind == event.Plan {
			steps = append(steps, e)
		}
	})
	if io.Output() == OutputJSON {
		sink = event.SinkFunc(ui.NewJSON(io.Out).Render)
	}
	res, err := plan(sink)
	if err != nil {
		if res.Usage {
			return &ExitError{Code: ExitUsage, Err: err}
		}
		return failed(err)
	}
	if io.Output() != OutputJSON {
		printPlan(io, g.NoColour, steps)
	}
	return nil
}

// printPlan is the table of a dry run: ACTION, ITEM, WHY.
func printPlan(io *IOStreams, noColour bool, steps []event.Event) {
	rows := make([]ui.Row, 0, len(steps))
	for _, e := range steps {
		class := ui.Working
		switch e.Phase {
		case "leave":
			class = ui.Good
		case "fail":
			class = ui.Bad
		}
		rows = append(rows, ui.Row{Cells: []string{string(e.Phase), string(e.Item) + " " + e.Name, e.Msg}, Class: class, StateColumn: 0})
	}
	ui.Table(io.Out, io.Colour(noColour, io.OutTTY), []string{"ACTION", "ITEM", "WHY"}, rows)
	fmt.Fprintln(io.ErrOut, "crispify: dry run: nothing was changed")
}
