package cli

import (
	"context"
	"fmt"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/stack"
	"github.com/crispify/crispify/internal/ui"
)

// dryRun prints the plan of a boot, `crispify --dry-run`: one line per
// step (NDJSON plan events with --output json, a table otherwise).
func dryRun(ctx context.Context, opts *LocalOptions, st *stack.Stack, req stack.Request) error {
	io := opts.Deps.IO
	mode := io.Output()
	var steps []event.Event
	var sink event.Sink = event.SinkFunc(func(e event.Event) {
		if e.Kind == event.Plan {
			steps = append(steps, e)
		}
	})
	if mode == OutputJSON {
		j := ui.NewJSON(io.Out)
		sink = event.SinkFunc(j.Render)
	}
	res, err := st.Plan(ctx, req, sink)
	if err != nil {
		if res.Usage {
			return usageErrorf("%v", err)
		}
		return failed(err)
	}
	if mode != OutputJSON {
		printPlan(io, opts.Global.NoColour, steps)
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
