package tui

import (
	"fmt"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/ui"
)

// rowKind tells what a line of the board's body is.
type rowKind int

const (
	headingRow rowKind = iota // a section's name
	itemRow                   // one repo, image, container or worker
	foldRow                   // finished repos, folded into one line
	pendingRow                // items with no event yet, named in one line
	queueRow                  // a queue of the RabbitMQ above, or how many more
)

// row is one line of the body before it is drawn.
type row struct {
	kind    rowKind
	it      *item
	section string
	folded  []*item           // of a fold or pending row
	queue   *event.QueueState // of a queue row; nil on its "more" line
	more    int
}

// selectable reports whether a row takes the selection, and under which key.
func (r row) selectable() (itemKey, bool) {
	switch r.kind {
	case itemRow:
		return r.it.itemKey, true
	case foldRow:
		return itemKey{kind: foldKind, name: "repos"}, true
	}
	return itemKey{}, false
}

// rows lays out the body: Repos, Infra, Workers, each only when it has
// items. Finished repos fold into one line and items not yet started into
// another, so that forty repos leave room for the rest; a filter shows every
// match as a row instead.
func (m *model) rows() []row {
	switch {
	case m.filter != "":
		return m.layout(showAll)
	case m.expanded:
		return m.layout(unfolded)
	}
	rows := m.layout(folded)
	if m.hasFold(rows) {
		// Fold only what does not fit: a tall terminal shows every repo.
		if all := m.layout(showAll); len(all) <= m.bodyHeight() {
			return all
		}
	}
	return rows
}

// foldMode says how finished repos are laid out.
type foldMode int

const (
	folded   foldMode = iota // one summary line
	unfolded                 // the summary line, to fold them back, then a row each
	showAll                  // a row each, no summary: they fit, or a filter picks them
)

func (m *model) hasFold(rows []row) bool {
	for _, r := range rows {
		if r.kind == foldRow {
			return true
		}
	}
	return false
}

// layout builds the rows, the finished repos laid out as mode says.
func (m *model) layout(mode foldMode) []row {
	var out []row
	section := func(title string, items []*item, fold bool) {
		var shown, done, pending []*item
		for _, it := range items {
			switch {
			case m.filter != "":
				if strings.Contains(strings.ToLower(it.name), strings.ToLower(m.filter)) {
					shown = append(shown, it)
				}
			case m.pendingOf(it):
				pending = append(pending, it)
			case fold && mode != showAll && m.finished(it):
				done = append(done, it)
				if mode == unfolded {
					shown = append(shown, it)
				}
			default:
				shown = append(shown, it)
			}
		}
		if len(shown)+len(done)+len(pending) == 0 {
			return
		}
		out = append(out, row{kind: headingRow, section: title})
		if len(done) > 0 {
			out = append(out, row{kind: foldRow, section: title, folded: done})
		}
		for _, it := range shown {
			out = append(out, row{kind: itemRow, it: it, section: title})
			out = append(out, m.queueRows(it, title)...)
		}
		if len(pending) > 0 {
			out = append(out, row{kind: pendingRow, section: title, folded: pending})
		}
	}
	section("Repos", m.order[event.Repo], true)
	section("Infra", m.infraItems(), false)
	section("Workers", m.order[event.Worker], false)
	return out
}

// infraItems are the containers, and the pulls no container row shows: an
// image in no Options.Images entry, while it pulls or once it failed.
func (m *model) infraItems() []*item {
	items := m.order[event.Infra]
	for _, img := range m.order[event.Image] {
		if len(m.imageOf[img.name]) > 0 {
			continue
		}
		if img.phase == event.Pulling || img.phase == event.Failed {
			items = append(items, img)
		}
	}
	return items
}

// pendingOf reports whether an item has nothing to show yet: no event of its
// own, no pull and no setup in progress on its row.
func (m *model) pendingOf(it *item) bool {
	if it.phase != "" {
		return false
	}
	switch it.kind {
	case event.Infra:
		return m.pullOf(it) == nil
	case event.Worker, event.Repo:
		return m.setupOf(it) == nil
	}
	return true
}

// finished reports whether a repo can fold away: cloned, updated or
// unchanged, with no setup running or failed on its row.
func (m *model) finished(it *item) bool {
	if ui.ClassOf(it.phase) != ui.Good || !it.phase.Final() {
		return false
	}
	if s := m.setupOf(it); s != nil && ui.ClassOf(s.phase) != ui.Good {
		return false
	}
	return true
}

// setupOf returns the setup shown on a row: a worker's own, or a repo's
// when the service has no worker.
func (m *model) setupOf(it *item) *item {
	s := m.items[itemKey{event.Setup, it.name}]
	if s == nil {
		return nil
	}
	if it.kind == event.Repo {
		if _, ok := m.items[itemKey{event.Worker, it.name}]; ok {
			return nil
		}
	}
	return s
}

// pullOf returns the pull shown on an infra row: its image while it is
// pulling or when the pull failed.
func (m *model) pullOf(it *item) *item {
	for _, img := range m.order[event.Image] {
		if img.phase != event.Pulling && img.phase != event.Failed {
			continue
		}
		for _, n := range m.imageOf[img.name] {
			if n == it.name {
				return img
			}
		}
	}
	return nil
}

// column widths of an item row.
type columns struct {
	name, state, middle, detail int
	// fits is true when the cells, each cut to its width, make a line no
	// wider than the screen: the line need not be measured again.
	fits bool
}

const (
	markerWidth = 2
	stateWidth  = 12 // a glyph, a space and "restarting"
	minMiddle   = 22 // a progress bar that still reads as one
)

// columns sizes an item row for the width: the name and the facts take
// what their longest needs, up to a cap that grows with the terminal, and
// the rest goes to the detail text.
func (m *model) columns(rows []row) columns {
	c := columns{state: stateWidth, name: 8, middle: minMiddle}
	// The detail is what a row says (why it is dead, when it starts
	// again): the facts (load, pid, uptime, restarts) give way to it first.
	nameCap, middleCap := 18, 26
	switch {
	case m.width >= 160:
		nameCap, middleCap = 28, 34
	case m.width >= 120:
		nameCap, middleCap = 28, 24
	}
	for _, r := range rows {
		if r.kind == itemRow {
			c.name = max(c.name, min(textWidth(r.it.label), nameCap))
			c.middle = max(c.middle, min(textWidth(m.facts(r.it)), middleCap))
		}
	}
	c.detail = m.width - markerWidth - c.name - 1 - c.state - 1 - c.middle - 1
	if c.detail < 8 {
		c.middle += max(c.detail, 0)
		c.detail = 0
	}
	c.fits = markerWidth+c.name+1+c.state+1+c.middle <= m.width
	return c
}

// rowLine draws one body row.
func (m *model) rowLine(r row, c columns) string {
	st := m.styles
	key, selectable := r.selectable()
	selected := selectable && key == m.sel && !m.exiting
	marker := "  "
	if selected {
		marker = "▸ "
	}
	// A selected row is drawn plain, then reversed whole: colours inside
	// would end the reverse video at their first reset.
	paint := func(s lipgloss.Style, text string) string {
		if selected {
			return text
		}
		return st.render(s, text)
	}
	var line string
	switch r.kind {
	case headingRow:
		title := "── " + r.section + " "
		if tw := textWidth(title); tw < m.width {
			return st.render(st.bold, title) + st.render(st.dim, strings.Repeat("─", m.width-tw))
		}
		return truncate(title, m.width)
	case foldRow:
		line = marker + paint(st.class[ui.Good], truncate(m.foldText(r.folded), m.width-markerWidth))
	case pendingRow:
		names := make([]string, len(r.folded))
		for i, it := range r.folded {
			names[i] = it.label
		}
		line = marker + paint(st.dim, truncate(fmt.Sprintf("· %d pending: %s", len(r.folded), strings.Join(names, ", ")), m.width-markerWidth))
	case queueRow:
		line = m.queueLine(r, paint)
	case itemRow:
		line = marker + m.itemLine(r.it, c, paint)
		if !c.fits {
			line = ansi.Truncate(line, m.width, "…")
		}
	}
	if selected && st.on {
		line = st.render(st.selected, pad(line, m.width))
	}
	return line
}

// foldText sums up the finished repos: "✓ 40 repos cloned" or, when they
// differ, "✓ 30 repos: 23 cloned, 7 unchanged".
func (m *model) foldText(folded []*item) string {
	counts := map[event.Phase]int{}
	for _, it := range folded {
		counts[it.phase]++
	}
	noun := "repos"
	if len(folded) == 1 {
		noun = "repo"
	}
	text := fmt.Sprintf("✓ %d %s: %s", len(folded), noun, ui.FormatCounts(counts))
	if len(counts) == 1 {
		text = fmt.Sprintf("✓ %d %s %s", len(folded), noun, folded[0].phase)
	}
	if g := gitCounts(folded); g != "" {
		text += " · " + g
	}
	if m.expanded {
		return text + " · enter to fold"
	}
	return text + " · enter to expand"
}

// gitCounts says how many of the repos hold work or are elsewhere: "2
// dirty, 1 untracked, 1 ahead, 1 off branch"; empty when none. A repo
// counts once under each, however many files or commits it holds.
func gitCounts(repos []*item) string {
	var dirty, untracked, ahead, behind, off int
	for _, it := range repos {
		if g := it.git; g != nil {
			dirty += b2i(g.Dirty > 0)
			untracked += b2i(g.Untracked > 0)
			ahead += b2i(g.Ahead > 0)
			behind += b2i(g.Behind > 0)
			off += b2i(g.OffBranch())
		}
	}
	var parts []string
	for _, c := range []struct {
		n    int
		what string
	}{{dirty, "dirty"}, {untracked, "untracked"}, {ahead, "ahead"}, {behind, "behind"}, {off, "off branch"}} {
		if c.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c.n, c.what))
		}
	}
	return strings.Join(parts, ", ")
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
