package tui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/ui"
)

// headerHeight and footerHeight frame the body of the board.
const (
	headerHeight = 2
	footerHeight = 1
)

// View draws the screen. The board takes the alternate screen and gives it
// back on exit; a run without the board draws in line, so that its last
// frame stays in the terminal as the result.
func (m *model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = m.opts.Board
	return v
}

// render returns the screen as lines that each fit the width, no more of
// them than the height.
func (m *model) render() string {
	var lines []string
	switch {
	case m.logs != nil:
		lines = m.logLines()
	default:
		lines = m.boardLines()
	}
	if len(lines) > m.height {
		lines = lines[:max(m.height, 0)]
	}
	return strings.Join(lines, "\n")
}

// boardLines is the header, the body (the help in its place when asked) and
// the footer.
func (m *model) boardLines() []string {
	lines := make([]string, 0, m.height)
	lines = append(lines, m.headerLines()...)
	body := m.bodyHeight()
	var shown []string
	rows := m.rows()
	switch {
	case m.help:
		shown = m.helpLines()
	case len(rows) == 0 && m.filter != "":
		// An empty body would read as an empty stack.
		shown = []string{m.styles.render(m.styles.dim, truncate(fmt.Sprintf("  no row matches %q: esc clears the filter", m.filter), m.width))}
	default:
		c := m.columns(rows)
		top := min(m.top, max(len(rows)-body, 0))
		for i := top; i < len(rows) && i < top+body; i++ {
			shown = append(shown, m.rowLine(rows[i], c))
		}
	}
	lines = append(lines, shown...)
	if m.exiting && !m.opts.Board {
		// The last frame of an inline run is its result: no key hints. The
		// empty last line is for bubbletea, which drops the last line of an
		// inline frame when the program ends.
		return append(lines, "")
	}
	if m.opts.Board {
		for len(lines) < headerHeight+body {
			lines = append(lines, "")
		}
	}
	return append(lines, m.footerLine(rows))
}

// bodyHeight is how many rows fit between the header and the footer.
func (m *model) bodyHeight() int {
	return max(m.height-headerHeight-footerHeight, 1)
}

// headerLines: the project, endpoint, data branch and elapsed time; then
// the counts and how the run stands.
func (m *model) headerLines() []string {
	st := m.styles
	left := st.render(st.bold, m.opts.Title)
	if m.opts.Endpoint != "" {
		left += "  " + st.render(st.dim, m.opts.Endpoint)
	}
	if m.data != "" {
		left += "  " + st.render(st.dim, "data ") + clean(m.data)
	}
	// The time since the latest apply began: seconds while work goes on;
	// minutes on an idle board, whose screen then changes once a minute
	// instead of redrawing every second.
	var right string
	if from, ok := m.applyStart(); ok {
		right = duration(m.now.Sub(from))
		if !m.busy() {
			right = uptime(m.now.Sub(from))
		}
	}
	first := spread(left, right, m.width)

	var parts []string
	if n := len(m.order[event.Repo]); n > 0 {
		word := "cloned"
		if m.anyPhase(event.Repo, event.Updating, event.Updated) {
			word = "updated"
		}
		parts = append(parts, fmt.Sprintf("%s %d/%d", word, m.countGood(event.Repo), n))
	}
	if n := len(m.order[event.Infra]); n > 0 {
		parts = append(parts, fmt.Sprintf("healthy %d/%d", m.countGood(event.Infra), n))
	}
	if n := len(m.order[event.Worker]); n > 0 {
		parts = append(parts, fmt.Sprintf("ready %d/%d", m.countGood(event.Worker), n))
	}
	if n := m.countWatched(); n > 0 {
		parts = append(parts, fmt.Sprintf("◉ watching %d", n))
	}
	if l := m.machineText(); l != "" {
		parts = append(parts, l)
	}
	counts := strings.Join(parts, " · ")
	if bad := m.troubles(ui.Bad); bad != "" {
		counts += " · " + st.render(st.class[ui.Bad], bad)
	}
	if warn := m.troubles(ui.Warn); warn != "" {
		counts += " · " + st.render(st.class[ui.Warn], warn)
	}
	return []string{first, spread(counts, m.runState(), m.width)}
}

// applyStart is when the latest apply began: its started event, else when
// the board opened, except on a board attached to a stack whose apply it
// never saw begin.
func (m *model) applyStart() (time.Time, bool) {
	switch {
	case !m.stack.started.IsZero():
		return m.stack.started, true
	case m.opts.Attached:
		return time.Time{}, false
	}
	return m.start, true
}

// runState is the right side of the counts line: booting, how the latest
// apply ended, the workers stopping, or what an attached board watches.
func (m *model) runState() string {
	st := m.styles
	switch {
	case m.quitting && !m.streamDone:
		word := "stopping workers"
		switch {
		case m.opts.Attached:
			word = "closing"
		case !m.opts.Board:
			word = "stopping"
		}
		return st.render(st.class[ui.Warn], glyph(event.Starting, m.frame)+" "+word)
	case m.stack.phase == event.Done:
		return st.render(st.class[ui.Good], m.outcome("✓", "done")+m.stackCounts())
	case m.stack.phase == event.Failed:
		text := m.outcome("✗", "failed")
		if m.stack.err != "" {
			text += ": " + clean(firstLine(m.stack.err))
		}
		return st.render(st.class[ui.Bad], text+m.stackCounts())
	case m.streamDone:
		return st.render(st.dim, "ended")
	case m.stack.phase == event.Started:
		return st.render(st.class[ui.Working], glyph(event.Starting, m.frame)+" booting")
	case m.busy():
		return st.render(st.class[ui.Working], glyph(event.Starting, m.frame)+" working")
	case m.opts.Attached:
		return st.render(st.dim, "watching the stack")
	}
	return ""
}

// outcome says how the latest apply ended: how long it took when the board
// saw it begin, else (a board that joined later) how long ago it ended.
func (m *model) outcome(mark, verb string) string {
	if m.stack.started.IsZero() {
		return mark + " last apply " + verb + " " + uptime(m.now.Sub(m.stack.at)) + " ago"
	}
	took := m.stack.at.Sub(m.stack.started)
	if verb == "done" {
		return mark + " done in " + elapsed(took)
	}
	return mark + " " + verb + " after " + elapsed(took)
}

// elapsed is how long an apply took: tenths under ten seconds, where a
// second apply of an unchanged stack lands ("0.1s", not "0s").
func elapsed(d time.Duration) string {
	if d = max(d, 0); d < 10*time.Second {
		return fmt.Sprintf("%.1fs", d.Truncate(100*time.Millisecond).Seconds())
	}
	return duration(d)
}

// stackCounts sums up what the counts on the left do not show, from the
// rows as they are now, each named by what it counts ("40 repos cloned,
// 6 images present, 4 setups done"), on a terminal wide enough to have room
// for it. The stack event's own counts are not used: they mix kinds ("6
// present") and go stale at the first stop.
func (m *model) stackCounts() string {
	if m.width < 120 {
		return ""
	}
	var parts []string
	for _, k := range []struct {
		kind      event.Kind
		one, many string
	}{{event.Repo, "repo", "repos"}, {event.Image, "image", "images"}, {event.Setup, "setup", "setups"}} {
		counts := map[event.Phase]int{}
		for _, it := range m.order[k.kind] {
			if it.phase != "" {
				counts[it.phase]++
			}
		}
		if len(counts) > 0 {
			parts = append(parts, ui.FormatNamedCounts(counts, k.one, k.many))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// countGood counts a kind's items in a good, settled state.
func (m *model) countGood(kind event.Kind) int {
	n := 0
	for _, it := range m.order[kind] {
		if it.phase.Final() && ui.ClassOf(it.phase) == ui.Good {
			n++
		}
	}
	return n
}

func (m *model) anyPhase(kind event.Kind, phases ...event.Phase) bool {
	for _, it := range m.order[kind] {
		for _, p := range phases {
			if it.phase == p {
				return true
			}
		}
	}
	return false
}

// troubles counts the items of a class by phase: "1 failed, 2 skipped".
func (m *model) troubles(c ui.Class) string {
	var counts map[event.Phase]int
	for _, it := range m.items {
		if it.phase != "" && ui.ClassOf(it.phase) == c {
			if counts == nil {
				counts = map[event.Phase]int{}
			}
			counts[it.phase]++
		}
	}
	return ui.FormatCounts(counts)
}

// footerLine: what is going on when something is (a filter typed, workers
// stopping, the outcome of an action), else the keys.
func (m *model) footerLine(rows []row) string {
	st := m.styles
	var left string
	switch {
	case m.typing:
		left = "/" + m.filter + "█  " + st.render(st.dim, "enter keep · esc clear")
	case m.quitting && !m.streamDone:
		left = st.render(st.class[ui.Warn], m.quittingText())
	case m.flash != "" && m.now.Before(m.flashUntil):
		c := ui.Working
		if m.flashBad {
			c = ui.Bad
		}
		left = st.render(st.class[c], m.flash)
	case m.help:
		left = st.render(st.dim, "esc or ? to close")
	case m.streamDone:
		left = st.render(st.dim, "the run has ended · q quit")
	default:
		if m.filter != "" {
			left = "filter " + st.render(st.key, m.filter) + st.render(st.dim, " (esc clears) · ")
		}
		left += m.hints(m.boardHints(rows))
	}
	return spread(left, m.scrollHint(len(rows)), m.width)
}

// boardHints are the keys that act on the selected row, then the board's.
func (m *model) boardHints(rows []row) [][2]string {
	board := [][2]string{{"/", "filter"}, {"?", "keys"}, {"q", "quit"}}
	pairs := [][2]string{{"↑↓", "select"}}
	keys, _ := selectables(rows)
	switch {
	case !slices.Contains(keys, m.sel):
		// Nothing shown is selected: a filter hides every row.
		return append(pairs, board...)
	case m.sel.kind == foldKind && m.expanded:
		pairs = append(pairs, [2]string{"enter", "fold"})
	case m.sel.kind == foldKind:
		pairs = append(pairs, [2]string{"enter", "expand"})
	default:
		pairs = append(pairs, [2]string{"enter", "logs"})
	}
	if acts(m.sel) {
		pairs = append(pairs, [2]string{"r", "restart"}, [2]string{"s", "stop"})
	}
	return append(pairs, board...)
}

// quittingText is the footer while q takes effect: what it stops, or that
// it only closes the board.
func (m *model) quittingText() string {
	switch {
	case m.opts.Attached:
		return "closing the board; the stack keeps running"
	case m.opts.Board:
		return "stopping the workers; the infra stays · ctrl+c again to force"
	}
	return "stopping what is under way · ctrl+c again to force"
}

// hints draws key hints; the footer cuts what does not fit.
func (m *model) hints(pairs [][2]string) string {
	parts := make([]string, len(pairs))
	for i, p := range pairs {
		parts[i] = m.styles.render(m.styles.key, p[0]) + " " + m.styles.render(m.styles.dim, p[1])
	}
	return strings.Join(parts, "  ")
}

// scrollHint tells how many of n rows are above and below the body.
func (m *model) scrollHint(n int) string {
	if m.help {
		return ""
	}
	body := m.bodyHeight()
	if n <= body {
		return ""
	}
	top := min(m.top, n-body)
	var parts []string
	if top > 0 {
		parts = append(parts, fmt.Sprintf("↑%d", top))
	}
	if below := n - top - body; below > 0 {
		parts = append(parts, fmt.Sprintf("↓%d", below))
	}
	return m.styles.render(m.styles.dim, strings.Join(parts, " "))
}

// helpLines list the keys in the body's place.
func (m *model) helpLines() []string {
	lines := []string{m.styles.render(m.styles.bold, "── Keys "), ""}
	for _, b := range m.keys.helpOrder() {
		h := b.Help()
		lines = append(lines, m.styles.render(m.styles.key, truncate("  "+pad(h.Key, 8)+"  "+h.Desc, m.width)))
	}
	lines = append(lines, "", truncate("  In a log: ↑↓ pgup pgdn scroll, G follows the tail, esc or q goes back.", m.width))
	return lines
}

// countWatched is how many workers' files are watched.
func (m *model) countWatched() int {
	n := 0
	for _, it := range m.order[event.Worker] {
		if it.watching() {
			n++
		}
	}
	return n
}
