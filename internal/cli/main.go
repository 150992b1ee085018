// Package cli is crispify's command tree: one file per command, each an
// Options struct filled from flags and a run function that tests can swap.
// It wires the engine packages to the renderers of internal/ui and decides,
// in one place, the output mode and the exit code.
package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/crispify/crispify/internal/manifest"
)

// Main runs crispify with args (without the program name) and returns the
// exit code. program is the name it was called by: crispify-local and
// crispify-remote are `crispify local` and `crispify remote`, decrispify is
// `crispify down`.
func Main(program string, args []string) int {
	ctx, stop := interruptible()
	defer stop()
	switch strings.TrimSuffix(filepath.Base(program), ".exe") {
	case "crispify-local":
		args = append([]string{"local"}, args...)
	case "crispify-remote":
		args = append([]string{"remote"}, args...)
	case "decrispify":
		args = append([]string{"down"}, args...)
	}
	deps := NewDeps(System())
	deps.Program = program
	return Run(ctx, deps, args)
}

// Run runs one command line with the given dependencies, prints its error
// once, and returns the exit code.
func Run(ctx context.Context, deps *Deps, args []string) int {
	deps = deps.serialised()
	root := NewCmdRoot(deps)
	root.SetArgs(globalFileFirst(args))
	err := root.ExecuteContext(ctx)
	switch {
	case err != nil && ctx.Err() != nil:
		err = errInterrupted
	case err != nil && strings.HasPrefix(err.Error(), "unknown command"):
		// cobra finds unknown commands before any of ours runs.
		err = &ExitError{Code: ExitUsage, Err: err}
	}
	report(deps.IO, err)
	return exitCode(err)
}

// globalFileFirst reads a -f written before the command as --file, the way
// `docker compose -f FILE logs -f` reads: cobra parses every flag with the
// command's own set, where `logs` has -f for --follow.
func globalFileFirst(args []string) []string {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return append(out, args[i:]...)
		case a == "-f" && i+1 < len(args):
			out = append(out, "--file="+args[i+1])
			i++
			continue
		case strings.HasPrefix(a, "-f") && !strings.HasPrefix(a, "--"):
			out = append(out, "--file="+strings.TrimPrefix(strings.TrimPrefix(a, "-f"), "="))
			continue
		case (a == "--file" || a == "--workspace" || a == "--output" || a == "--project") && i+1 < len(args):
			out = append(out, a, args[i+1])
			i++
			continue
		case !strings.HasPrefix(a, "-"):
			return append(out, args[i:]...) // the command: the rest is its own
		}
		out = append(out, a)
	}
	return out
}

// interruptible returns a context cancelled by the first SIGINT, SIGTERM or
// SIGHUP (the terminal closed), so that commands stop what they started
// cleanly; a second one exits at once with 130.
func interruptible() (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		if _, ok := <-signals; !ok {
			return
		}
		cancel()
		if _, ok := <-signals; ok {
			fmt.Fprintln(os.Stderr, "crispify: interrupted twice, exiting now")
			os.Exit(ExitInterrupted)
		}
	}()
	return ctx, func() {
		signal.Stop(signals)
		close(signals)
		cancel()
	}
}

// report prints a command's error once, on stderr. Manifest diagnostics are
// printed one per line as FILE:LINE:COL: message, for editors to jump to.
func report(io *IOStreams, err error) {
	if err == nil {
		return
	}
	var diags manifest.Errors
	if errors.As(err, &diags) {
		fmt.Fprintln(io.ErrOut, diags.Error())
		noun := "problem"
		if len(diags) > 1 {
			noun = "problems"
		}
		fmt.Fprintf(io.ErrOut, "crispify: %d %s in the manifest; nothing was done\n", len(diags), noun)
		return
	}
	var exit *ExitError
	if errors.As(err, &exit) && exit.Err == nil {
		return
	}
	fmt.Fprintf(io.ErrOut, "crispify: %v\n", err)
}
