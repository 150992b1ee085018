package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/charmbracelet/x/ansi"
	"github.com/spf13/cobra"
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
		Short: "Logs of containers and workers, interleaved and prefixed by name",
		Example: `  crispify logs mysql --tail 50
  crispify logs -f api rabbitmq     # a worker and a container, interleaved
  crispify -f demo.yaml logs -f     # another manifest: -f before the command`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Names = args
			if err := manifestGivenAsName(args); err != nil {
				return err
			}
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
	tailN := -1
	if opts.Tail != "all" {
		n, err := strconv.Atoi(opts.Tail)
		if err != nil || n < 0 {
			return usageErrorf("--tail %q: give a number of lines or all", opts.Tail)
		}
		tailN = n
	}
	st, err := opts.Global.openStack(opts.Deps)
	if err != nil {
		return err
	}
	err = st.Logs(ctx, opts.Names, tailN, opts.Follow, logPrinter(io, opts.Global.NoColour, st.LogNames(opts.Names)))
	if ctx.Err() != nil {
		return nil // Ctrl-C is how -f ends
	}
	return exitFor(err)
}

// logPrinter prints the lines of the named sources, interleaved: each
// prefixed by its name in a column as wide as the longest, coloured on a
// terminal; lines may come from several goroutines.
func logPrinter(io *IOStreams, noColour bool, names []string) func(name, text string) {
	width := 0
	for _, n := range names {
		width = max(width, len(n))
	}
	colour := io.Colour(noColour, io.OutTTY)
	var mu sync.Mutex
	return func(name, text string) {
		if !colour && strings.ContainsRune(text, '\x1b') {
			// What workers and containers colour is theirs to show on a
			// terminal; a pipe, a file or NO_COLOR gets the text alone.
			text = ansi.Strip(text)
		}
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(io.Out, "%s | %s\n", prefixColour(colour, name, fmt.Sprintf("%-*s", width, name)), text)
	}
}

// manifestGivenAsName fails an argument that names a manifest file: on
// logs, -f is --follow, as in `docker logs -f`, so `crispify logs -f
// FILE` reads FILE as a name. The manifest goes before the command.
func manifestGivenAsName(args []string) error {
	for _, a := range args {
		ext := strings.ToLower(filepath.Ext(a))
		if ext != ".yaml" && ext != ".yml" {
			continue
		}
		if fi, err := os.Stat(a); err == nil && fi.Mode().IsRegular() {
			return usageErrorf("logs: %s is a file, not a container or worker: did you mean --file %s? (on logs, -f is --follow; the manifest goes before the command: crispify -f %s logs -f)", a, a, a)
		}
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
