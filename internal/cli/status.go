package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/stack"
	"github.com/crispify/crispify/internal/ui"
)

// StatusOptions are the inputs of `crispify status`.
type StatusOptions struct {
	Deps   *Deps
	Global *GlobalOptions
	JSON   bool
	Watch  bool
}

// StatusRow is one line of `crispify status`, and one object of --json.
type StatusRow = stack.Row

// NewCmdStatus builds `crispify status`.
func NewCmdStatus(deps *Deps, g *GlobalOptions, runF func(context.Context, *StatusOptions) error) *cobra.Command {
	opts := &StatusOptions{Deps: deps, Global: g}
	cmd := &cobra.Command{
		Use:   "status [--json] [--watch]",
		Short: "One table of every repo, container and worker: healthy, sick or dead",
		Long: `Show every repo, infra container and worker of the manifest with its state.

The exit code is 0 only when every infra container is healthy and every
worker ready, so that scripts can use it as a check:
crispify status >/dev/null && run-tests`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return statusRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, `print an array of {"kind","name","state","detail","data","cpu","memory"}`)
	cmd.Flags().BoolVar(&opts.Watch, "watch", false, "redraw every 2 seconds until interrupted")
	return cmd
}

func statusRun(ctx context.Context, opts *StatusOptions) error {
	st, err := opts.Global.openStack(opts.Deps)
	if err != nil {
		return err
	}
	if !opts.Watch {
		return statusOnce(ctx, opts, st)
	}
	if !opts.JSON && opts.Deps.IO.Output() == OutputTUI {
		if client, err := st.Dial(ctx); err == nil {
			return watchBoard(ctx, opts, st, client)
		}
	}
	return pollStatus(ctx, opts, st)
}

// statusOnce prints the table (or the JSON) once; it exits 0 only when
// every infra is healthy and every worker ready.
func statusOnce(ctx context.Context, opts *StatusOptions, st *stack.Stack) error {
	// Rows with an error: a supervisor that did not answer, whose
	// workers' rows say their state is unknown; the error says why.
	rows, ok, err := st.Status(ctx)
	if err != nil && rows == nil {
		return failed(err)
	}
	printErr := printStatus(opts, rows, ok)
	if err != nil {
		return failed(err)
	}
	return printErr
}

// pollStatus prints the table every 2 seconds until Ctrl-C: --watch
// without the board, or without a supervisor to follow.
func pollStatus(ctx context.Context, opts *StatusOptions, st *stack.Stack) error {
	io := opts.Deps.IO
	go st.Look(ctx) // the supervisor samples load, and judges it, while this looks
	for {
		rows, ok, err := st.Status(ctx)
		if err != nil && rows == nil {
			return failed(err)
		}
		if io.OutTTY {
			fmt.Fprint(io.Out, "\x1b[H\x1b[2J")
		}
		fmt.Fprintf(io.Out, "%s  (every 2s, Ctrl-C to stop)\n\n", time.Now().Format("15:04:05"))
		_ = printStatus(opts, rows, ok)
		if err != nil {
			fmt.Fprintf(io.Out, "\n%v\n", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(2 * time.Second):
		}
	}
}

// watchBoard opens the live board of the terminal UI on a running stack:
// the supervisor replays the state of everything, then streams, applies of
// other terminals included, and once it stops (decrispify), the containers
// until they are gone. q closes the board and leaves the stack running.
func watchBoard(ctx context.Context, opts *StatusOptions, st *stack.Stack, client *stack.Client) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	m := st.Manifest
	ctrl := &controller{quit: cancelOnQuit(cancel), items: client, logs: st}
	all := stack.Selection{Services: m.ServiceNames(), Infra: m.InfraNames()}
	q := st.Queue()
	out := opts.Global.startStream(ctx, opts.Deps.IO, m, &screen{endpoint: st.EndpointName(), board: true, attached: true, services: all.Services, infra: all.Infra, workers: all.Workers(m), ctrl: ctrl}, q)
	go func() {
		defer q.Close()
		st.Attach(ctx, client, q.Emit)
	}()
	<-out.Done()
	cancel()
	return out.Close()
}

func printStatus(opts *StatusOptions, rows []StatusRow, ok bool) error {
	io := opts.Deps.IO
	if opts.JSON {
		enc := json.NewEncoder(io.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rows); err != nil {
			return err
		}
	} else {
		table := make([]ui.Row, len(rows))
		for i, r := range rows {
			table[i] = ui.Row{Cells: []string{r.Kind, r.Name, r.State, withLoad(r)}, Class: ui.ClassOf(event.Phase(r.State)), StateColumn: 2}
		}
		ui.Table(io.Out, io.Colour(opts.Global.NoColour, io.OutTTY), []string{"KIND", "NAME", "STATE", "DETAIL"}, table)
	}
	if !ok {
		return &ExitError{Code: ExitFailed}
	}
	return nil
}
