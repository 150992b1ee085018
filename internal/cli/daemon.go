package cli

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/repos"
	"github.com/crispify/crispify/internal/ui"
	"github.com/crispify/crispify/internal/workers"
)

// NewCmdDaemon builds the hidden command of the background supervisor that
// `crispify -d` starts: the boot of foregroundRun without a screen, until
// decrispify (through the socket) or a signal stops it.
func NewCmdDaemon(deps *Deps, g *GlobalOptions) *cobra.Command {
	opts := &LocalOptions{Deps: deps, Global: g}
	var mode string
	cmd := &cobra.Command{
		Use:    daemonCommand,
		Hidden: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Names, opts.Mode = args, bootMode(mode)
			return daemonRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&mode, "mode", string(modeLocal), "local, run or remote")
	cmd.Flags().StringVar(&opts.Profile, "profile", "", "")
	cmd.Flags().StringVar(&opts.Backend, "git", repos.DefaultBackend, "")
	return cmd
}

func daemonRun(ctx context.Context, opts *LocalOptions) error {
	m, err := opts.Global.LoadManifest(opts.Deps.IO)
	if err != nil {
		return err
	}
	sel, err := selectStack(m, opts.Names, opts.Profile)
	if err != nil {
		return err
	}
	hub := event.NewHub()
	// Its own log: every event as a plain line, for `crispify logs` later.
	logDone := make(chan struct{})
	logQueue := hub.Subscribe(context.Background())
	go func() {
		defer close(logDone)
		logQueue.Drain(ui.NewPlain(os.Stderr, false).Render)
	}()
	defer func() {
		hub.Close()
		<-logDone
	}()
	fmt.Fprintf(os.Stderr, "crispify supervisor pid %d: %s\n", os.Getpid(), m.File)

	release, err := lockSession(ctx, m, hub)
	if err != nil {
		return err
	}
	defer release()
	session, _, err := newSession(ctx, opts, m, sel, hub)
	if err != nil {
		return err
	}
	serveCtx, stopServe := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- workers.Serve(serveCtx, m.StateDir(), session) }()

	session.Boot(ctx)
	select {
	case <-ctx.Done():
	case <-session.Stopped():
	}
	stopErr := session.Shutdown(context.WithoutCancel(ctx))
	stopServe()
	if err := <-served; err != nil {
		fmt.Fprintf(os.Stderr, "crispify supervisor: socket: %v\n", err)
	}
	return stopErr
}

// NewCmdWatchdog builds the hidden command of the watchdog the supervisor
// starts: it ends every worker when crispify dies, even by SIGKILL.
func NewCmdWatchdog() *cobra.Command {
	return &cobra.Command{
		Use:    workers.WatchdogArg,
		Hidden: true,
		RunE: func(*cobra.Command, []string) error {
			return workers.RunWatchdog(os.Stdin)
		},
	}
}
