package cli

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/stack"
	"github.com/crispify/crispify/internal/ui"
)

// DaemonOptions are the inputs of the hidden command of the background
// supervisor.
type DaemonOptions struct {
	Deps   *Deps
	Global *GlobalOptions
}

// NewCmdDaemon builds the hidden command of the background supervisor that
// `crispify -d` starts: the supervisor of a foreground run without a
// screen, until decrispify (through the socket) or a signal stops it. It
// boots nothing itself: the -d that started it applies through its socket.
func NewCmdDaemon(deps *Deps, g *GlobalOptions, runF func(context.Context, *DaemonOptions) error) *cobra.Command {
	opts := &DaemonOptions{Deps: deps, Global: g}
	return &cobra.Command{
		Use:    stack.DaemonArg,
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return daemonRun(cmd.Context(), opts)
		},
	}
}

func daemonRun(ctx context.Context, opts *DaemonOptions) error {
	st, err := opts.Global.openStack(opts.Deps)
	if err != nil {
		return err
	}
	ses, err := st.Boot(ctx, stack.BootOptions{Keeping: stack.Daemon})
	if err != nil {
		return failed(err)
	}
	// Its own log, rotated.
	log, err := stack.OpenSupervisorLog(st)
	if err != nil {
		ses.Close()
		return failed(err)
	}
	defer log.Close()
	fmt.Fprintf(log, "crispify supervisor pid %d: %s\n", os.Getpid(), st.Manifest.File)
	logged := make(chan struct{})
	go func() {
		defer close(logged)
		logEvents(log, ses.Events())
	}()
	ses.Wait(ctx)
	err = ses.Close()
	<-logged
	if err != nil {
		fmt.Fprintf(log, "crispify supervisor: %v\n", err)
	}
	return err
}

// logEvents writes the supervisor's events to its log as plain lines until
// they end: not the workers' output again, each worker has a log of its own.
func logEvents(log io.Writer, events *event.Queue) {
	plain := ui.NewPlain(log, false)
	events.Drain(func(e event.Event) {
		if !e.IsOutput() {
			plain.Render(e)
		}
	})
}

// NewCmdWatchdog builds the hidden command of the watchdog the supervisor
// starts: it ends every worker when crispify dies, even by SIGKILL.
func NewCmdWatchdog() *cobra.Command {
	return &cobra.Command{
		Use:    stack.WatchdogArg,
		Hidden: true,
		RunE: func(*cobra.Command, []string) error {
			return stack.RunWatchdog(os.Stdin)
		},
	}
}
