package tui

import (
	"slices"
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// keyMap is every key of the board, with the help the ? overlay shows.
type keyMap struct {
	up, down, top, bottom, pageUp, pageDown key.Binding
	enter, restart, stop, watch, filter     key.Binding
	help                                    key.Binding
	back, quit, interrupt                   key.Binding
}

func newKeyMap() keyMap {
	return keyMap{
		up:        key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "select the row above")),
		down:      key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "select the row below")),
		top:       key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("g/home", "first row; top of a log")),
		bottom:    key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("G/end", "last row; follow a log")),
		pageUp:    key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup", "page up")),
		pageDown:  key.NewBinding(key.WithKeys("pgdown"), key.WithHelp("pgdn", "page down")),
		enter:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "show the log; unfold the repos")),
		restart:   key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "restart the worker or container")),
		stop:      key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "stop the worker or container")),
		watch:     key.NewBinding(key.WithKeys("w"), key.WithHelp("w", "watch the worker's files, or stop watching: a change restarts it")),
		filter:    key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter rows by name")),
		help:      key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "show or hide these keys")),
		back:      key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back; clear the filter")),
		quit:      key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "stop the workers and quit; infra stays")),
		interrupt: key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "as q; twice: force")),
	}
}

// forMode gives q the help of what it does on this screen: a board that
// runs the workers stops them, one attached to another process's stack
// only closes, and a screen of other work (repos, infra) stops that work.
func (k keyMap) forMode(opts Options) keyMap {
	switch {
	case opts.Attached:
		k.quit.SetHelp("q", "close the board; the stack keeps running")
	case !opts.Board:
		k.quit.SetHelp("q", "stop what is under way and quit")
	}
	return k
}

// helpOrder is the order of the ? overlay.
func (k keyMap) helpOrder() []key.Binding {
	return []key.Binding{k.up, k.down, k.top, k.bottom, k.enter, k.restart, k.stop, k.watch,
		k.filter, k.back, k.help, k.quit, k.interrupt}
}

// onKey dispatches a key by what has it: an interrupt always, then the
// filter being typed, the help overlay, the log view, the board.
func (m *model) onKey(msg tea.KeyPressMsg) tea.Cmd {
	keys := m.keys
	if key.Matches(msg, keys.interrupt) {
		return m.interrupt(true)
	}
	switch {
	case m.typing:
		return m.onFilterKey(msg, keys)
	case m.help:
		if key.Matches(msg, keys.back, keys.help, keys.quit) {
			m.help = false
		}
		return nil
	case m.logs != nil:
		return m.onLogKey(msg, keys)
	}
	switch {
	case key.Matches(msg, keys.up):
		m.move(-1)
	case key.Matches(msg, keys.down):
		m.move(1)
	case key.Matches(msg, keys.pageUp):
		m.move(-m.bodyHeight())
	case key.Matches(msg, keys.pageDown):
		m.move(m.bodyHeight())
	case key.Matches(msg, keys.top):
		m.move(-1 << 30)
	case key.Matches(msg, keys.bottom):
		m.move(1 << 30)
	case key.Matches(msg, keys.enter):
		return m.enter()
	case key.Matches(msg, keys.restart):
		return m.act("restart", m.sel)
	case key.Matches(msg, keys.stop):
		return m.act("stop", m.sel)
	case key.Matches(msg, keys.watch):
		return m.toggleWatch()
	case key.Matches(msg, keys.filter):
		m.typing = true
	case key.Matches(msg, keys.help):
		m.help = true
	case key.Matches(msg, keys.back):
		m.filter = ""
	case key.Matches(msg, keys.quit):
		return m.quit()
	}
	return nil
}

// onFilterKey edits the filter: text is typed in, enter keeps it, esc
// clears it; the arrows still move so that a match can be picked.
func (m *model) onFilterKey(msg tea.KeyPressMsg, keys keyMap) tea.Cmd {
	switch msg.String() {
	case "esc":
		m.filter, m.typing = "", false
	case "enter":
		m.typing = false
	case "backspace":
		if m.filter != "" {
			_, n := utf8.DecodeLastRuneInString(m.filter)
			m.filter = m.filter[:len(m.filter)-n]
		}
	case "up":
		m.move(-1)
	case "down":
		m.move(1)
	default:
		if msg.Text != "" {
			m.filter += clean(msg.Text)
		}
	}
	return nil
}

// enter unfolds or folds the finished repos, or opens the selected row's log.
func (m *model) enter() tea.Cmd {
	if keys, _ := selectables(m.rows()); !slices.Contains(keys, m.sel) {
		return nil // the selected row is filtered out
	}
	if m.sel.kind == foldKind {
		m.expanded = !m.expanded
		return nil
	}
	if it := m.items[m.sel]; it != nil {
		return m.openLogs(it)
	}
	return nil
}
