// Package tui is the terminal screen of crispify: the whole stack live at a
// glance while it boots, then the status board until the user quits. It only
// renders the engine's event stream and sends the user's intents (restart,
// stop, quit, show logs) back through a Controller; it never calls Docker or
// git itself.
//
// The screen is a bubbletea program. Events reach it through a command that
// reads event.Queue and is re-armed after each batch, so the engine never
// waits on the screen: while the screen draws, the queue coalesces progress.
package tui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/crispify/crispify/internal/event"
)

// ErrForced is returned by Run when the user interrupted twice: the caller
// stops what is left without waiting for a clean shutdown.
var ErrForced = errors.New("forced to quit")

// ErrInterrupted is returned by Run when the user quit with Ctrl-C (or a
// SIGINT or SIGTERM) rather than q: the command was interrupted.
var ErrInterrupted = errors.New("interrupted")

// Controller is how the screen sends a user's intents back to the engine.
// Its methods are called from their own goroutines and may block; their
// context ends when Run returns.
type Controller interface {
	// Restart restarts a worker or an infra container (the r key).
	Restart(ctx context.Context, kind event.Kind, name string) error
	// Stop stops a worker or an infra container (the s key).
	Stop(ctx context.Context, kind event.Kind, name string) error
	// Watch turns watching of a worker's files on or off (the w key).
	Watch(ctx context.Context, name string, on bool) error
	// Logs sends the last tail lines of an infra container's log to line,
	// then follows it until ctx ends. Workers' lines arrive as output events.
	Logs(ctx context.Context, kind event.Kind, name string, tail int, line func(string)) error
	// Quit stops the workers cleanly and leaves the infra (q or a first
	// Ctrl-C). The engine reports the stopping as events and closes the
	// queue when done, which ends Run.
	Quit(ctx context.Context) error
}

// Options shape the screen.
type Options struct {
	Title    string // the project name
	Endpoint string // the Docker endpoint, for the header
	// DataBranch is the branch whose data the infra run on, for the
	// header; a swap's data event changes it. "" shows none (no infra
	// whose data forks).
	DataBranch string
	// Board keeps the screen open as the live status board once the stream
	// settles (crispify local), until the user quits; without it the screen
	// ends when the queue closes (repos, infra).
	Board bool
	// Attached says the board shows a stack that another process keeps
	// (status --watch, or an apply through a running supervisor): q only
	// closes the board, the workers keep running, and the header says what
	// the board watches rather than a boot it did not start.
	Attached bool
	NoColor  bool // --no-color or NO_COLOR: no colour or attribute codes at all

	// Repos, Infra and Workers name what the run will touch, in manifest
	// order, so that the counts have their totals from the start and rows
	// keep a stable order. Optional: an item also appears on its first event.
	Repos, Infra, Workers []string
	// RepoOf names the repo (clone) of each service whose clone is named
	// otherwise: services of one repository share one repo row, whose git
	// state their worker rows show.
	RepoOf map[string]string
	// Images maps an image reference to the infra that use it, so that a
	// pull shows on the infra's row; an unmapped pull gets a row of its own
	// while it runs or when it fails.
	Images map[string][]string
	// Needs names what each service needs (infra and services), so that
	// a worker whose setup is done says what it still waits for.
	Needs map[string][]string

	// Input and Output default to the process's terminal; tests set them.
	Input  io.Reader
	Output io.Writer
}

// Run shows the screen until the stream ends (without Board), the user
// quits and the engine closes the queue, or the user interrupts twice
// (ErrForced). Cancelling ctx counts as a first interrupt: the engine is
// asked to quit and the screen shows it doing so until the queue closes.
// While it runs, SIGINT and SIGTERM are interrupts too, so that the
// terminal is never left raw. Run restores the terminal however it ends, a
// panic included, which it returns as an error; a failed Controller.Quit is
// returned as well.
func Run(ctx context.Context, q *event.Queue, ctrl Controller, opts Options) error {
	return run(ctx, q, ctrl, opts)
}

// run is Run with extra program options, which tests use to set a size.
func run(ctx context.Context, q *event.Queue, ctrl Controller, opts Options, extra ...tea.ProgramOption) (err error) {
	// The program's own context outlives ctx: after a first interrupt the
	// screen keeps reading the queue to show the workers stopping.
	life, stop := context.WithCancel(context.WithoutCancel(ctx))
	defer stop()

	// Signals are handled here rather than by bubbletea, whose handler
	// gives up after the first: a second SIGINT must force, like a second
	// Ctrl-C, and must never kill the process with the terminal raw.
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)
	// Job control (suspend_unix.go): Ctrl-Z and SIGTSTP give the terminal
	// back before the process stops; SIGCONT takes it again.
	tstp, cont := make(chan os.Signal, 1), make(chan os.Signal, 1)
	notifyStop(tstp)
	notifyCont(cont)
	defer signal.Stop(tstp)
	defer signal.Stop(cont)

	m := newModel(life, q, ctrl, opts, time.Now())
	popts := []tea.ProgramOption{
		tea.WithoutSignalHandler(),
		// The budget: no more than ten redraws a second.
		tea.WithFPS(10),
	}
	if opts.Input != nil {
		popts = append(popts, tea.WithInput(opts.Input))
	}
	if opts.Output != nil {
		popts = append(popts, tea.WithOutput(opts.Output))
	}
	if opts.NoColor {
		popts = append(popts, tea.WithColorProfile(colorprofile.Ascii))
	}
	popts = append(popts, extra...)
	p := tea.NewProgram(&program{model: m, sigs: sigs, tstp: tstp, cont: cont, outer: ctx}, popts...)

	defer func() {
		// bubbletea recovers panics in Update, View and commands itself;
		// this is for one that escapes it (its own shutdown path): Kill
		// still restores the terminal before the panic becomes an error.
		if r := recover(); r != nil {
			p.Kill()
			err = fmt.Errorf("terminal ui: panic: %v", r)
		}
	}()
	final, err := p.Run()
	if err != nil {
		// A panic lands here too (tea.ErrProgramPanic), once bubbletea has
		// restored the terminal and printed the stack.
		return fmt.Errorf("terminal ui: %w", err)
	}
	fm := final.(*program).model
	if fm.forced {
		return ErrForced
	}
	if fm.err == nil && fm.interrupted {
		return ErrInterrupted
	}
	return fm.err
}

// program adapts the model to tea.Model, adding the commands that wait on
// the world outside (signals, the caller's context), which the model's
// tests do without.
type program struct {
	*model
	sigs  chan os.Signal
	outer context.Context
	// tstp and cont carry SIGTSTP and SIGCONT; suspended says the board
	// stopped itself, so that the SIGCONT that wakes it is its own.
	tstp, cont chan os.Signal
	suspended  atomic.Bool
}

// Messages of job control.
type (
	stopMsg    struct{} // a SIGTSTP
	contMsg    struct{} // a SIGCONT
	resumedMsg struct{} // the terminal is the board's again
)

func (p *program) Init() tea.Cmd {
	return tea.Batch(p.model.Init(), p.waitSignal(), p.waitOuter(), p.wait(p.tstp, stopMsg{}), p.wait(p.cont, contMsg{}))
}

func (p *program) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		if canSuspend && msg.String() == "ctrl+z" {
			return p, p.suspend()
		}
	case stopMsg:
		return p, tea.Batch(p.suspend(), p.wait(p.tstp, stopMsg{}))
	case resumedMsg:
		return p, tea.ClearScreen // a full redraw: the shell wrote meanwhile
	case contMsg:
		again := p.wait(p.cont, contMsg{})
		if p.suspended.Swap(false) || !lineMode() {
			return p, again // the board's own stop: suspend takes the terminal back
		}
		// Stopped by a SIGSTOP: the shell left the terminal in line mode.
		// Releasing and taking it again makes it raw; then a full redraw.
		return p, tea.Batch(again, tea.Exec(stopExec{stop: false}, func(error) tea.Msg { return resumedMsg{} }))
	}
	_, cmd := p.model.Update(msg)
	if _, ok := msg.(interruptMsg); ok {
		cmd = tea.Batch(cmd, p.waitSignal())
	}
	return p, cmd
}

// suspend gives the terminal back (line mode, the cursor) and stops the
// process group, as Ctrl-Z does to a program in line mode; when continued
// it takes the terminal again and redraws. The stop is a SIGSTOP: once
// SIGTSTP is caught (tstp), Go's runtime keeps catching it, and a SIGTSTP
// sent to the group would stop nothing here.
func (p *program) suspend() tea.Cmd {
	p.suspended.Store(true)
	return tea.Exec(stopExec{stop: true}, func(error) tea.Msg { return resumedMsg{} })
}

// wait turns the next signal on c into msg.
func (p *program) wait(c chan os.Signal, msg tea.Msg) tea.Cmd {
	return func() tea.Msg {
		select {
		case <-c:
			return msg
		case <-p.ctx.Done():
			return nil
		}
	}
}

// stopExec is what tea.Exec runs with the terminal given back: with stop,
// it stops the process group until a SIGCONT; without, nothing, so that
// the terminal is only released and taken again, raw.
type stopExec struct{ stop bool }

func (s stopExec) Run() error {
	if s.stop {
		return stopGroup()
	}
	return nil
}
func (stopExec) SetStdin(io.Reader)  {}
func (stopExec) SetStdout(io.Writer) {}
func (stopExec) SetStderr(io.Writer) {}

// waitSignal turns the next SIGINT or SIGTERM into an interrupt.
func (p *program) waitSignal() tea.Cmd {
	return func() tea.Msg {
		select {
		case <-p.sigs:
			return interruptMsg{}
		case <-p.ctx.Done():
			return nil
		}
	}
}

// waitOuter reports the caller cancelling ctx.
func (p *program) waitOuter() tea.Cmd {
	return func() tea.Msg {
		select {
		case <-p.outer.Done():
			return outerDoneMsg{}
		case <-p.ctx.Done():
			return nil
		}
	}
}

// nopController ignores every intent: for screens with nothing to control.
type nopController struct{}

func (nopController) Restart(context.Context, event.Kind, string) error { return nil }
func (nopController) Stop(context.Context, event.Kind, string) error    { return nil }
func (nopController) Watch(context.Context, string, bool) error         { return nil }
func (nopController) Logs(context.Context, event.Kind, string, int, func(string)) error {
	return nil
}
func (nopController) Quit(context.Context) error { return nil }
