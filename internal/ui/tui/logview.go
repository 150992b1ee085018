package tui

import (
	"context"
	"fmt"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/ui"
)

// logView is the full-screen log of one row. A worker's, a setup's or a
// repo's log is the ring its events filled; a container's is streamed from
// Controller.Logs into a ring of the view's own.
type logView struct {
	key    itemKey
	vp     viewport.Model
	follow bool // at the bottom: new lines scroll into view

	// A container's stream: id tells its messages from an older stream's,
	// cancel ends it when the view closes.
	id     int
	cancel context.CancelFunc
	lines  chan string
	stream *ring
	ended  string // why the stream ended, when it did
}

// Messages of a container's log stream.
type (
	logLinesMsg struct {
		id    int
		lines []string
		done  bool // the channel is closed: no more reads
	}
	logEndMsg struct {
		id  int
		err error
	}
)

// logBatch bounds the lines one message carries, so that a container
// replaying a long tail still lets keys through between batches.
const logBatch = 500

func (m *model) openLogs(it *item) tea.Cmd {
	lv := &logView{key: it.itemKey, follow: true}
	lv.vp = viewport.New()
	lv.vp.KeyMap = viewportKeys()
	m.logs = lv
	m.resizeLogs() // which fills it
	if it.kind != event.Infra {
		return nil
	}
	m.logSeq++
	ctx, cancel := context.WithCancel(m.ctx)
	lv.id, lv.cancel = m.logSeq, cancel
	lv.lines = make(chan string, logBatch)
	lv.stream = &ring{}
	m.syncLogs()
	ctrl, id, ch, kind, name := m.ctrl, lv.id, lv.lines, it.kind, it.name
	follow := func() tea.Msg {
		defer close(ch)
		err := ctrl.Logs(ctx, kind, name, ringSize, func(l string) {
			select {
			case ch <- l:
			case <-ctx.Done():
			}
		})
		if ctx.Err() != nil {
			err = nil // closed by the user, not a failure
		}
		return logEndMsg{id: id, err: err}
	}
	return tea.Batch(follow, readLogs(id, ch, 0))
}

// readLogs waits for the next lines of a stream and takes what else is
// ready, up to logBatch. It waits delay first: a chatty container is drawn
// ten times a second, its lines held in the channel meanwhile.
func readLogs(id int, ch <-chan string, delay time.Duration) tea.Cmd {
	return func() tea.Msg {
		time.Sleep(delay)
		l, ok := <-ch
		if !ok {
			return logLinesMsg{id: id, done: true}
		}
		lines := []string{l}
		for len(lines) < logBatch {
			select {
			case l, ok := <-ch:
				if !ok {
					return logLinesMsg{id: id, lines: lines, done: true}
				}
				lines = append(lines, l)
			default:
				return logLinesMsg{id: id, lines: lines}
			}
		}
		return logLinesMsg{id: id, lines: lines}
	}
}

func (m *model) onLogLines(msg logLinesMsg) tea.Cmd {
	lv := m.logs
	if lv == nil || lv.id != msg.id {
		return nil
	}
	for _, l := range msg.lines {
		lv.stream.add(l)
	}
	m.syncLogs()
	if msg.done {
		return nil
	}
	return readLogs(lv.id, lv.lines, minFrame)
}

func (m *model) onLogEnd(msg logEndMsg) {
	lv := m.logs
	if lv == nil || lv.id != msg.id {
		return
	}
	lv.ended = "end of log"
	if msg.err != nil {
		lv.ended = "logs: " + firstLine(msg.err.Error())
	}
}

// closeLogs leaves the log view, ending its stream.
func (m *model) closeLogs() {
	if m.logs != nil && m.logs.cancel != nil {
		m.logs.cancel()
	}
	m.logs = nil
}

// refreshLogs redraws the open log when a batch brought it lines or a
// change of state.
func (m *model) refreshLogs(batch []event.Event) {
	lv := m.logs
	if lv == nil {
		return
	}
	for _, e := range batch {
		if e.Name == lv.key.name && (e.Kind == lv.key.kind || e.Kind == event.Setup) {
			m.syncLogs()
			return
		}
	}
}

// syncLogs gives the viewport the current lines, keeping the tail in view
// while following. A container's log follows its changes of state, so that
// the whole error of a failed health check sits above what it printed.
func (m *model) syncLogs() {
	lv := m.logs
	var lines []string
	if it := m.items[lv.key]; it != nil {
		lines = it.log.all()
	}
	if lv.stream != nil {
		lines = append(lines, "── docker logs")
		lines = append(lines, lv.stream.all()...)
	}
	if len(lines) == 0 {
		lines = []string{"(nothing yet)"}
	}
	// Wrapped here, once per change, rather than by the viewport, which
	// would measure every line at every frame: the line that matters (a
	// stack trace, a long error) is usually wider than the screen.
	lv.vp.SetContentLines(wrap(lines, m.width))
	if lv.follow {
		lv.vp.GotoBottom()
	}
}

func (m *model) resizeLogs() {
	if m.logs == nil {
		return
	}
	m.logs.vp.SetWidth(m.width)
	m.logs.vp.SetHeight(max(m.height-2, 1))
	m.syncLogs() // wrapped anew for the width
}

// onLogKey scrolls the log; esc or q goes back, G follows the tail again,
// r and s act on the worker or container whose log it is.
func (m *model) onLogKey(msg tea.KeyPressMsg, keys keyMap) tea.Cmd {
	lv := m.logs
	switch {
	case key.Matches(msg, keys.back, keys.quit):
		m.closeLogs()
		return nil
	case key.Matches(msg, keys.bottom):
		lv.vp.GotoBottom()
	case key.Matches(msg, keys.top):
		lv.vp.GotoTop()
	case key.Matches(msg, keys.restart) && acts(lv.key):
		return m.act("restart", lv.key)
	case key.Matches(msg, keys.stop) && acts(lv.key):
		return m.act("stop", lv.key)
	default:
		lv.vp, _ = lv.vp.Update(msg)
	}
	lv.follow = lv.vp.AtBottom()
	return nil
}

// viewportKeys are the pager keys of a log, without the ones the board
// gives another meaning (h and l, f and b, u and d stay harmless).
func viewportKeys() viewport.KeyMap {
	k := viewport.DefaultKeyMap()
	k.PageDown = key.NewBinding(key.WithKeys("pgdown", "space", "f"))
	k.PageUp = key.NewBinding(key.WithKeys("pgup", "b"))
	return k
}

// logLines draws the log view: a title, the log, a footer.
func (m *model) logLines() []string {
	lv := m.logs
	st := m.styles
	title := "log of " + string(lv.key.kind) + " " + clean(lv.key.name)
	if it := m.items[lv.key]; it != nil {
		l := m.lookOf(it)
		class := ui.ClassOf(l.phase)
		if l.phase == "" {
			class = ui.Idle
		}
		title = st.render(st.bold, title) + "  " + st.render(st.class[class], glyph(l.phase, m.frame)+" "+string(l.phase))
		if f := m.facts(it); f != "" {
			title += "  " + st.render(st.dim, f)
		}
	}
	where := "following"
	if !lv.follow {
		where = fmt.Sprintf("%3.0f%%", lv.vp.ScrollPercent()*100)
	}
	lines := []string{spread(title, st.render(st.dim, where), m.width)}
	lines = append(lines, splitLines(lv.vp.View())...)
	for len(lines) < m.height-1 {
		lines = append(lines, "")
	}
	// Only the keys that act here: a repo's or an image's log has no
	// process to restart or stop.
	pairs := [][2]string{{"↑↓", "scroll"}, {"G", "follow"}, {"g", "top"}}
	if acts(lv.key) {
		pairs = append(pairs, [2]string{"r", "restart"}, [2]string{"s", "stop"})
	}
	left := m.hints(append(pairs, [2]string{"esc", "back"}))
	if lv.ended != "" {
		left = st.render(st.dim, lv.ended+" · ") + left
	}
	if m.quitting && !m.streamDone {
		left = st.render(st.class[ui.Warn], m.quittingText())
	}
	return append(lines, spread(left, "", m.width))
}
