package cli

import (
	"context"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/crispify/crispify/internal/docker"
)

// LogsOptions are the inputs of `crispify logs`.
type LogsOptions struct {
	Deps   *Deps
	Global *GlobalOptions
	Follow bool
	Tail   string
	Names  []string
}

// NewCmdLogs builds `crispify logs`.
func NewCmdLogs(deps *Deps, g *GlobalOptions, runF func(context.Context, *LogsOptions) error) *cobra.Command {
	opts := &LogsOptions{Deps: deps, Global: g}
	cmd := &cobra.Command{
		Use:   "logs [-f] [--tail N] [NAME...]",
		Short: "Logs of containers, interleaved and prefixed by name",
		Example: `  crispify logs mysql --tail 50
  crispify logs -f rabbitmq redis`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Names = args
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return logsRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Follow, "follow", "f", false, "keep printing new lines until interrupted")
	cmd.Flags().StringVar(&opts.Tail, "tail", "all", "last `N` lines of each, or all")
	return cmd
}

func logsRun(ctx context.Context, opts *LogsOptions) error {
	io := opts.Deps.IO
	if opts.Tail != "all" {
		if n, err := strconv.Atoi(opts.Tail); err != nil || n < 0 {
			return usageErrorf("--tail %q: give a number of lines or all", opts.Tail)
		}
	}
	m, err := opts.Global.LoadManifest(io)
	if err != nil {
		return err
	}
	if err := unknownNames("infra", opts.Names, m.InfraNames()); err != nil {
		return err
	}
	names := opts.Names
	if len(names) == 0 {
		names = m.InfraNames()
	}
	engine, _, err := opts.Deps.Docker(ctx)
	if err != nil {
		return failed(err)
	}
	width := 0
	for _, n := range names {
		width = max(width, len(n))
	}
	colour := io.Colour(opts.Global.NoColour, io.OutTTY)
	p := &docker.Project{Engine: engine, Manifest: m}
	err = p.Logs(ctx, names, opts.Tail, opts.Follow, func(l docker.Line) {
		fmt.Fprintf(io.Out, "%s | %s\n", prefixColour(colour, l.Infra, fmt.Sprintf("%-*s", width, l.Infra)), l.Text)
	})
	if ctx.Err() != nil {
		return nil // Ctrl-C is how -f ends
	}
	if err != nil {
		return failed(err)
	}
	return nil
}

// prefixColour gives each name a stable colour of its own, so that
// interleaved lines are told apart at a glance.
func prefixColour(on bool, name, text string) string {
	if !on {
		return text
	}
	palette := []int{36, 35, 33, 32, 34, 91, 92, 93, 94, 95, 96}
	h := 0
	for _, r := range name {
		h = h*31 + int(r)
	}
	return fmt.Sprintf("\x1b[%dm%s\x1b[0m", palette[(h%len(palette)+len(palette))%len(palette)], text)
}
