package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// The verbs of NewCmdControl.
const (
	verbStop    = "stop"
	verbRestart = "restart"
)

// ControlOptions are the inputs of `crispify stop` and `crispify restart`.
type ControlOptions struct {
	Deps   *Deps
	Global *GlobalOptions
	Verb   string
	Names  []string
}

// NewCmdControl builds `crispify stop` or `crispify restart`: the board's s
// and r, for workers and containers of a running stack.
func NewCmdControl(deps *Deps, g *GlobalOptions, verb string, runF func(context.Context, *ControlOptions) error) *cobra.Command {
	opts := &ControlOptions{Deps: deps, Global: g, Verb: verb}
	short := map[string]string{
		verbStop:    "Stop workers or containers of a running stack; the rest goes on",
		verbRestart: "Restart workers or containers of a running stack, rolling where they can",
	}
	long := map[string]string{
		verbStop: `Stop the named workers (SIGTERM to their process groups, SIGKILL after
10 s) or containers, on a foreground or detached stack; everything else keeps
running. crispify, crispify run or the board's r start them again.`,
		verbRestart: `Restart the named workers or containers, on a foreground or detached stack.
A worker with several replicas, or ready by a line of its output, is replaced
one replica at a time, each new one ready before the old one stops; any other
worker stops, then starts. A stopped worker starts again.`,
	}
	cmd := &cobra.Command{
		Use:     verb + " NAME...",
		Short:   short[verb],
		Long:    long[verb],
		Example: fmt.Sprintf("  crispify %s api mailer\n  crispify %s redis", verb, verb),
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Names = args
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return controlRun(cmd.Context(), opts)
		},
	}
	return cmd
}

func controlRun(ctx context.Context, opts *ControlOptions) error {
	st, err := opts.Global.openStack(opts.Deps)
	if err != nil {
		return err
	}
	act := st.Stop
	done := "stopped"
	if opts.Verb == verbRestart {
		act, done = st.Restart, "restarted"
	}
	if err := act(ctx, opts.Names); err != nil {
		return exitFor(err)
	}
	fmt.Fprintf(opts.Deps.IO.Out, "%s %s\n", strings.Join(opts.Names, ", "), done)
	return nil
}
