package cli

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/stack"
)

// foregroundRun makes this process the stack's supervisor, boots it and
// stays, supervising the workers, until Ctrl-C, a closed terminal, q in the
// terminal UI, or decrispify from another terminal; then it stops the
// workers cleanly and leaves the infra running. It serves the supervisor's
// socket meanwhile, as a detached one does. On a stack another process
// keeps, it applies through that one instead.
//
// A boot that failed ends the run at once with plain or JSON output (the
// summary says what failed and why) and exits 1 however it then ends; the
// board stays until q, showing it.
func foregroundRun(ctx context.Context, opts *LocalOptions, st *stack.Stack, sel stack.Selection, req stack.Request) error {
	io := opts.Deps.IO
	sup, err := stack.StartInTerminal(ctx, st)
	if errors.Is(err, stack.ErrRunning) {
		return applyRun(ctx, opts, st, sel, req, false)
	}
	if err != nil {
		return failed(err)
	}
	bootCtx, cancelBoot := context.WithCancel(ctx)
	defer cancelBoot()
	quit := make(chan struct{})
	var quitOnce sync.Once
	ctrl := &controller{
		quit:  func(context.Context) error { quitOnce.Do(func() { close(quit) }); return nil },
		items: sup, logs: st,
	}
	sc := &screen{endpoint: st.EndpointName(), board: true, services: sel.Services, infra: sel.Infra, workers: sel.Workers(st.Manifest), ctrl: ctrl}
	board := sup.Board()
	out, err := opts.Global.startStreamFrom(ctx, io, st.Manifest, sc, board.Queue())
	if err != nil {
		sup.Shutdown(context.WithoutCancel(ctx))
		return err
	}
	// q, Ctrl-C, a signal or decrispify end the boot at once, a worker
	// still starting included: its start is cut short and it stops (SIGTERM,
	// SIGKILL after 10 s). A second Ctrl-C forces: SIGKILL at once.
	force, forceNow := context.WithCancel(context.WithoutCancel(ctx))
	defer forceNow()
	go func() {
		select {
		case <-ctx.Done():
		case <-quit:
		case <-sup.Stopped():
		case <-out.Done():
		}
		cancelBoot()
		<-out.Done()
		if out.forced() {
			forceNow()
			sup.Shutdown(force) // the stops under way, the boot's too, turn to SIGKILL
		}
	}()
	res, bootErr := sup.Apply(bootCtx, req, event.Discard)
	if out.mode == OutputPlain {
		printSettled(io, opts.Global.NoColour, res.Settled, "ITEM")
	}
	downFromElsewhere := false
	if bootErr == nil || out.mode == OutputTUI {
		select {
		case <-ctx.Done(): // Ctrl-C, SIGTERM, the terminal closed
		case <-quit: // q in the terminal UI
		case <-sup.Stopped(): // decrispify, through the socket
			downFromElsewhere = true
		case <-out.Done(): // the terminal UI ended by itself (forced)
		}
	}
	cancelBoot()
	// Cleanup has a context of its own: the first Ctrl-C must not cut it
	// short; a second one (force) does.
	stopErr := sup.Shutdown(force)
	// After decrispify from another terminal, the board shows it taking
	// the containers down.
	board.End(downFromElsewhere && out.mode == OutputTUI, out.Done())
	renderErr := out.Close()
	if out.mode != OutputJSON && len(sel.Workers(st.Manifest)) > 0 {
		// The board has given the screen back: say where things stand.
		fmt.Fprintln(io.ErrOut, "crispify: "+whereThingsStand(downFromElsewhere, len(sel.Infra), opts.Global.hintDown(opts.Deps, "")))
	}

	interruptedBoot := errors.Is(bootErr, context.Canceled)
	switch {
	case errors.Is(renderErr, errInterrupted):
		return renderErr
	case bootErr != nil && !interruptedBoot:
		return exitFor(bootErr)
	case ctx.Err() != nil, interruptedBoot && !downFromElsewhere:
		return errInterrupted // a boot cut short by q is interrupted too
	case stopErr != nil:
		return failed(stopErr)
	}
	return renderErr
}

// whereThingsStand is the last line of a foreground run: its workers
// stopped, and what of the infra is left and the command that stops it
// (decrispify from another terminal takes the infra down itself).
func whereThingsStand(downFromElsewhere bool, infra int, down string) string {
	switch {
	case downFromElsewhere:
		return "workers stopped by decrispify from another terminal"
	case infra == 1:
		return "workers stopped; 1 infra container still runs (`" + down + "` stops it)"
	case infra > 1:
		return fmt.Sprintf("workers stopped; %d infra containers still run (`%s` stops them)", infra, down)
	}
	return "workers stopped"
}
