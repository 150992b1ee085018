package cli

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/stack"
)

// daemonCommand is the hidden command a detached boot runs in the
// background: a supervisor without a screen.
const daemonCommand = "__daemon"

// applyRun applies a boot through the supervisor that runs the stack,
// starting a detached one first when detach is set and none runs, shows the
// apply as it happens and returns when it ends: 0 when all of it is up, 1
// when something failed (the supervisor keeps what runs either way), 130
// when interrupted (what was already changed stays). Without detach, on the
// terminal, the board then stays open until q, which leaves the stack
// running.
func applyRun(ctx context.Context, opts *LocalOptions, st *stack.Stack, sel stack.Selection, req stack.Request, detach bool) error {
	io := opts.Deps.IO
	var spawn []string
	if detach {
		exe, err := os.Executable()
		if err != nil {
			return failed(fmt.Errorf("start the background supervisor: find crispify's own binary: %w", err))
		}
		spawn = []string{exe, daemonCommand, "--file", req.Manifest, "--workspace", req.Workspace, "--project", req.Project}
		if opts.Global.Verbose {
			spawn = append(spawn, "-v") // its git commands and Docker calls, into its log
		}
	}
	mode, err := io.OutputMode(opts.Global.Output)
	if err != nil {
		return err
	}
	board := mode == OutputTUI && !detach
	q := st.Queue()
	evCtx, stopEvents := context.WithCancel(ctx)
	defer stopEvents()
	ctrl := &controller{quit: cancelOnQuit(stopEvents), items: stackItems{st}, logs: st}
	sc := &screen{endpoint: st.EndpointName(), board: board, attached: board, services: sel.Services, infra: sel.Infra, workers: sel.Workers(st.Manifest), ctrl: ctrl}
	out, err := opts.Global.startStreamFrom(evCtx, io, st.Manifest, sc, q)
	if err != nil {
		return err
	}
	// The board shows the whole stack, replayed then live; other outputs
	// show what this apply does.
	var applySink event.Sink = q
	if board {
		applySink = event.Discard
		go func() {
			if c, err := st.Dial(evCtx); err == nil {
				c.Events(evCtx, sinceOfWorkers(evCtx, c, q.Emit))
			}
		}()
	}
	res, keeper, applyErr := st.Apply(evCtx, req, applySink, spawn)
	if board && applyErr == nil {
		<-out.Done() // q closes the board; the stack goes on
	}
	stopEvents()
	q.Close()
	renderErr := out.Close()
	if out.mode == OutputPlain {
		printSettled(io, opts.Global.NoColour, res.Settled, "ITEM")
	}
	if ctx.Err() != nil {
		return errInterrupted
	}
	if out.mode != OutputJSON && keeper.PID != 0 {
		fmt.Fprintln(io.ErrOut, "crispify: "+keptBy(keeper, opts.Global, opts.Deps))
	}
	if applyErr != nil {
		if res.Usage {
			return &ExitError{Code: ExitUsage, Err: applyErr}
		}
		return exitFor(applyErr)
	}
	if errors.Is(renderErr, errInterrupted) {
		return renderErr
	}
	return nil
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
