package tui

import (
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/crispify/crispify/internal/event"
)

// Messages from the commands the screen runs.
type (
	// eventsMsg is one batch from the queue; closed when the queue is done.
	eventsMsg struct {
		events []event.Event
		at     time.Time
		closed bool
	}
	// tickMsg advances the clock and the spinner.
	tickMsg struct {
		at  time.Time
		gen int
	}
	// interruptMsg is a Ctrl-C, a SIGINT or a SIGTERM.
	interruptMsg struct{}
	// outerDoneMsg is the caller cancelling Run's context.
	outerDoneMsg struct{}
	// quitDoneMsg is Controller.Quit returning.
	quitDoneMsg struct{ err error }
	// actionDoneMsg is a restart or a stop returning.
	actionDoneMsg struct {
		verb, name string
		err        error
	}
)

// Redraw budget: events are read at most this often, so that a busy engine
// costs at most ten frames a second while the queue coalesces progress.
const (
	minFrame  = 100 * time.Millisecond
	idleFrame = time.Second // the clock only moves by seconds when nothing works
	flashFor  = 5 * time.Second
)

func (m *model) Init() tea.Cmd {
	return tea.Batch(m.readEvents(time.Time{}), m.tick(minFrame))
}

// Update handles one message. It never blocks: controller calls and queue
// reads are returned as commands.
func (m *model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case eventsMsg:
		cmd = m.onEvents(msg)
	case tickMsg:
		cmd = m.onTick(msg)
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.resizeLogs()
	case tea.KeyPressMsg:
		cmd = m.onKey(msg)
	case tea.PasteMsg:
		if m.typing {
			m.filter += clean(msg.Content)
		}
	case interruptMsg:
		cmd = m.interrupt(true)
	case outerDoneMsg:
		cmd = m.interrupt(false)
	case quitDoneMsg:
		if msg.err != nil && m.err == nil {
			m.err = msg.err
			m.setFlash("quit: "+firstLine(msg.err.Error()), true)
		}
	case actionDoneMsg:
		if msg.err != nil {
			m.setFlash(msg.verb+" "+msg.name+": "+firstLine(msg.err.Error()), true)
		} else {
			m.setFlash(msg.verb+" "+msg.name+": done", false)
		}
	case logLinesMsg:
		cmd = m.onLogLines(msg)
	case logEndMsg:
		m.onLogEnd(msg)
	}
	m.keepSelection()
	return m, cmd
}

// readEvents waits for the next batch, no sooner than notBefore.
func (m *model) readEvents(notBefore time.Time) tea.Cmd {
	q, ctx := m.queue, m.ctx
	if q == nil {
		return nil
	}
	return func() tea.Msg {
		if d := time.Until(notBefore); d > 0 {
			select {
			case <-time.After(d):
			case <-ctx.Done():
				return nil
			}
		}
		batch, ok := q.Next(ctx)
		if ctx.Err() != nil {
			return nil
		}
		return eventsMsg{events: batch, at: time.Now(), closed: !ok}
	}
}

func (m *model) onEvents(msg eventsMsg) tea.Cmd {
	m.now = later(m.now, msg.at)
	for _, e := range msg.events {
		m.apply(e)
	}
	m.refreshLogs(msg.events)
	if msg.closed {
		m.streamDone = true
		if !m.opts.Board || m.quitting {
			return m.exit()
		}
		return nil
	}
	cmds := []tea.Cmd{m.readEvents(msg.at.Add(minFrame))}
	// Work just began while the clock ticked slowly: start a fast chain.
	if !m.tickFast && m.busy() {
		cmds = append(cmds, m.tick(minFrame))
	}
	return tea.Batch(cmds...)
}

// tick starts a new chain of ticks; older chains stop at their next tick.
func (m *model) tick(d time.Duration) tea.Cmd {
	m.tickGen++
	m.tickFast = d < idleFrame
	gen := m.tickGen
	return tea.Tick(d, func(t time.Time) tea.Msg { return tickMsg{at: t, gen: gen} })
}

func (m *model) onTick(msg tickMsg) tea.Cmd {
	if msg.gen != m.tickGen || m.exiting {
		return nil
	}
	m.now = later(m.now, msg.at)
	if m.busy() {
		m.frame++
		return m.tick(minFrame)
	}
	return m.tick(idleFrame)
}

// interrupt is a Ctrl-C or a signal (user true) or the caller's context
// ending (user false): the first asks the engine to quit, the second by a
// user forces.
func (m *model) interrupt(user bool) tea.Cmd {
	m.interrupted = m.interrupted || user
	switch {
	case m.streamDone:
		return m.exit()
	case !m.quitting:
		return m.quit()
	case user:
		m.forced = true
		return m.exit()
	}
	return nil
}

// quit asks the engine to stop the workers, once; the screen stays to show
// them stopping and ends when the queue closes.
func (m *model) quit() tea.Cmd {
	if m.streamDone {
		return m.exit()
	}
	if m.quitting {
		return nil
	}
	m.quitting = true
	m.closeLogs()
	ctrl, ctx := m.ctrl, m.ctx
	cmds := []tea.Cmd{func() tea.Msg { return quitDoneMsg{err: ctrl.Quit(ctx)} }}
	if !m.tickFast {
		cmds = append(cmds, m.tick(minFrame))
	}
	return tea.Batch(cmds...)
}

// exit ends the program after one last frame, drawn without the key hints
// so that what stays on the terminal reads as a result.
func (m *model) exit() tea.Cmd {
	m.exiting = true
	m.closeLogs()
	return tea.Quit
}

// act runs a restart or a stop of a worker or infra: the selected row's,
// or the one whose log is open.
func (m *model) act(verb string, k itemKey) tea.Cmd {
	it := m.items[k]
	if it == nil || !acts(k) {
		m.setFlash(verb+": select a worker or an infra container", true)
		return nil
	}
	if m.quitting {
		return nil
	}
	call := m.ctrl.Restart
	if verb == "stop" {
		call = m.ctrl.Stop
	}
	ctx, kind, name := m.ctx, it.kind, it.name
	m.setFlash(verb+" "+name+"…", false)
	return func() tea.Msg {
		return actionDoneMsg{verb: verb, name: name, err: call(ctx, kind, name)}
	}
}

// toggleWatch turns watching of the selected worker's files on or off.
func (m *model) toggleWatch() tea.Cmd {
	it := m.items[m.sel]
	if it == nil || it.kind != event.Worker {
		m.setFlash("watch: select a worker", true)
		return nil
	}
	if m.quitting {
		return nil
	}
	on := !it.watching()
	verb := "watch"
	if !on {
		verb = "unwatch"
	}
	ctx, name := m.ctx, it.name
	m.setFlash(verb+" "+name+"…", false)
	return func() tea.Msg {
		return actionDoneMsg{verb: verb, name: name, err: m.ctrl.Watch(ctx, name, on)}
	}
}

// acts reports whether r and s act on an item: a worker or a container.
func acts(k itemKey) bool { return k.kind == event.Worker || k.kind == event.Infra }

func (m *model) setFlash(s string, bad bool) {
	m.flash, m.flashBad, m.flashUntil = s, bad, m.now.Add(flashFor)
}

// later keeps the clock from going back when a message was stamped before
// one handled already.
func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
