package tui

// The selection is kept by subject, not by index: rows fold, unfold and
// appear as events come, and the selected worker must stay selected.

// selectables returns the keys of the selectable rows and their body lines.
func selectables(rows []row) (keys []itemKey, lines []int) {
	for i, r := range rows {
		if k, ok := r.selectable(); ok {
			keys = append(keys, k)
			lines = append(lines, i)
		}
	}
	return keys, lines
}

// move moves the selection by delta selectable rows, clamped to the ends.
func (m *model) move(delta int) {
	keys, _ := selectables(m.rows())
	if len(keys) == 0 {
		return
	}
	i := m.selIndex(keys)
	i = min(max(i+delta, 0), len(keys)-1)
	m.sel, m.selIdx = keys[i], i
	m.autoSel = itemKey{} // the user's choice from now on: kept by subject
}

// selIndex finds the selected key, or the row that took its place when it
// folded away or was filtered out.
func (m *model) selIndex(keys []itemKey) int {
	for i, k := range keys {
		if k == m.sel {
			return i
		}
	}
	return min(max(m.selIdx, 0), len(keys)-1)
}

// keepSelection runs after every message: it re-finds the selected row and
// scrolls the body so that it shows, with its section's heading when the
// row is the section's first. Until the user moves it, the selection is
// the first row, whichever rows came first: a stack already running
// replays its items in no order a user would pick.
func (m *model) keepSelection() {
	rows := m.rows()
	keys, lines := selectables(rows)
	if len(keys) == 0 {
		m.top = 0
		return
	}
	i := m.selIndex(keys)
	if m.sel == m.autoSel {
		i = 0
		m.autoSel = keys[0]
	}
	m.sel, m.selIdx = keys[i], i
	line, body := lines[i], m.bodyHeight()
	if line > 0 && rows[line-1].kind == headingRow {
		line--
	}
	switch {
	case line < m.top:
		m.top = line
	case lines[i] >= m.top+body:
		m.top = lines[i] - body + 1
	}
	m.top = min(max(m.top, 0), max(len(rows)-body, 0))
}
