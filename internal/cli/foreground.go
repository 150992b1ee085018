package cli

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/manifest"
	"github.com/crispify/crispify/internal/stack"
	"github.com/crispify/crispify/internal/workers"
)

// foregroundRun boots the stack in this process and stays, supervising the
// workers, until Ctrl-C, q in the terminal UI, or decrispify from another
// terminal; then it stops the workers cleanly and leaves the infra running.
// It serves the supervisor socket meanwhile, so that status, logs and
// decrispify work against it as against a detached one.
func foregroundRun(ctx context.Context, opts *LocalOptions, m *manifest.Manifest, sel selection) error {
	io := opts.Deps.IO
	hub := event.NewHub()
	release, err := lockSession(ctx, m, hub)
	if err != nil {
		return err
	}
	defer release()
	bootCtx, cancelBoot := context.WithCancel(ctx)
	defer cancelBoot()
	session, ep, err := newSession(bootCtx, opts, m, sel, hub)
	if err != nil {
		return err
	}

	quit := make(chan struct{})
	var quitOnce sync.Once
	ctrl := &controller{
		quit:    func(context.Context) error { quitOnce.Do(func() { close(quit) }); return nil },
		project: session.Plan.Project,
	}
	if sup := session.Plan.Supervisor; sup != nil {
		ctrl.workers = sup
	}
	sc := &screen{endpoint: ep.Host, board: true, services: sel.services, infra: sel.infra, workers: sel.workers(m), ctrl: ctrl}
	out, err := opts.Global.startStreamFrom(ctx, io, m, sc, hub.Subscribe(context.Background()))
	if err != nil {
		return err
	}
	serveCtx, stopServe := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- workers.Serve(serveCtx, m.StateDir(), session) }()

	bootErr := session.Boot(bootCtx)
	if out.mode == OutputPlain {
		printBootSummary(io, opts.Global.NoColour, session)
	}
	select {
	case <-ctx.Done(): // Ctrl-C
	case <-quit: // q in the terminal UI
	case <-session.Stopped(): // decrispify, through the socket
	case <-out.Done(): // the terminal UI ended by itself (forced)
	}
	cancelBoot()
	// Cleanup has a context of its own: the first Ctrl-C must not cut it short.
	stopErr := session.Shutdown(context.WithoutCancel(ctx))
	stopServe()
	<-served
	hub.Close()
	renderErr := out.Close()
	if out.mode != OutputJSON && session.Plan.Supervisor != nil {
		// The board has given the screen back: say where things stand.
		left := ""
		if len(sel.infra) > 0 {
			left = fmt.Sprintf("; %d infra containers still run (`decrispify` stops them)", len(sel.infra))
		}
		fmt.Fprintf(io.ErrOut, "crispify: workers stopped%s\n", left)
	}

	switch {
	case errors.Is(renderErr, errInterrupted):
		return renderErr
	case bootErr != nil && ctx.Err() == nil:
		return failed(bootErr)
	case ctx.Err() != nil:
		return errInterrupted
	case stopErr != nil:
		return failed(stopErr)
	}
	return renderErr
}

// printBootSummary is the plain-mode table after a boot: every repo,
// container and worker, its state and why.
func printBootSummary(io *IOStreams, noColour bool, s *stack.Session) {
	printSettled(io, noColour, s.Settled(event.Repo, event.Infra, event.Setup, event.Worker), "ITEM")
}
