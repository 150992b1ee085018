package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/crispify/crispify/internal/stack"
)

// bootStack boots the stack in the foreground or detached: this process
// becomes its supervisor, or applies through the one that keeps it
// (stack.Boot says which), shows the boot, and stays while it keeps the
// workers: until Ctrl-C, a closed terminal, q in the terminal UI, or
// decrispify from another terminal, which stop the workers cleanly and
// leave the infra running.
//
// A boot that failed ends the run at once with plain or JSON output (the
// summary says what failed and why) and exits 1 however it then ends; the
// board of a stack this process keeps stays until q, showing it. On the
// terminal, the board of a stack another process keeps stays until q,
// which leaves the stack running.
func bootStack(ctx context.Context, opts *LocalOptions, st *stack.Stack, sel stack.Selection, req stack.Request) error {
	io := opts.Deps.IO
	keeping, board := stack.Foreground, io.Output() == OutputTUI
	if opts.Detach {
		keeping, board = stack.Detached, false
	}
	ses, err := st.Boot(ctx, stack.BootOptions{Keeping: keeping, Board: board})
	if err != nil {
		return exitFor(err)
	}
	out := opts.Global.startStream(ctx, io, st.Manifest, bootScreen(st, sel, ses, board), ses.Events())
	// The board gone ends the boot; a second Ctrl-C there forces: the
	// stops under way, the boot's too, turn to SIGKILL.
	go func() {
		<-out.Done()
		if out.forced() {
			ses.Force()
		}
		ses.Quit()
	}()
	res, _ := ses.Apply(ctx, req)
	if out.mode == OutputPlain && ses.Own() {
		// The workers run on: the summary now, not when they stop.
		printSettled(io, opts.Global.NoColour, res.Settled, "ITEM")
	}
	ses.Wait(ctx)
	err = ses.Close()
	renderErr := out.Close()
	if out.mode == OutputPlain && !ses.Own() {
		printSettled(io, opts.Global.NoColour, res.Settled, "ITEM")
	}
	if out.mode != OutputJSON {
		// The board has given the screen back: say where things stand.
		if said := whereItRuns(ctx, opts, st, sel, ses); said != "" {
			fmt.Fprintln(io.ErrOut, "crispify: "+said)
		}
	}
	if errors.Is(renderErr, errInterrupted) {
		return renderErr
	}
	if err != nil {
		return exitFor(err)
	}
	return renderErr
}

// bootScreen is what the terminal UI shows of a boot: the board of the
// stack this process keeps, or of another's (attached, where q only
// closes it), or the apply alone (detached).
func bootScreen(st *stack.Stack, sel stack.Selection, ses *stack.Session, board bool) *screen {
	board = board || ses.Own()
	return &screen{
		endpoint: st.EndpointName(), board: board, attached: board && !ses.Own(),
		services: sel.Services, infra: sel.Infra, workers: sel.Workers(st.Manifest),
		ctrl: &controller{quit: quitBy(ses.Quit), items: ses, logs: st},
	}
}

// whereItRuns is the last line of a boot: of a foreground run, that its
// workers stopped and what of the infra still runs; of an apply through
// another process, which keeps the stack and what to do next.
func whereItRuns(ctx context.Context, opts *LocalOptions, st *stack.Stack, sel stack.Selection, ses *stack.Session) string {
	switch {
	case ses.Own() && len(sel.Workers(st.Manifest)) > 0:
		return whereThingsStand(ses.DownElsewhere(), len(sel.Infra), opts.Global.hintDown(opts.Deps, ""))
	case !ses.Own() && ctx.Err() == nil:
		return keptBy(ses.Keeper(), opts.Global, opts.Deps)
	}
	return ""
}

// quitBy is the board's q: end the boot, and the wait.
func quitBy(quit func()) func(context.Context) error {
	return func(context.Context) error {
		quit()
		return nil
	}
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

// keptBy says where the stack runs after an apply, and what to do next,
// in commands that work from where the user is.
func keptBy(k stack.Keeper, g *GlobalOptions, d *Deps) string {
	status, logs, down := g.hintCommand(d, "status"), g.hintCommand(d, "logs -f"), g.hintDown(d, "")
	if k.InTerminal {
		return fmt.Sprintf("the stack runs in the foreground crispify of another terminal (pid %d): `%s`, `%s`; q there, or `%s`, stops it", k.PID, status, logs, down)
	}
	return fmt.Sprintf("the stack runs in the background (supervisor pid %d): `%s`, `%s`, `%s` to stop it", k.PID, status, logs, down)
}
