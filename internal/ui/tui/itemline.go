package tui

import (
	"fmt"
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/ui"
)

// look is what an item row shows: its own state, or the setup or pull that
// stands for it while it has none, or that explains its failure.
type look struct {
	phase    event.Phase
	progress *float64
	detail   string
	bad      bool // detail is an error
}

func (m *model) lookOf(it *item) look {
	l := look{phase: it.phase, progress: it.progress, detail: it.msg}
	if it.err != "" {
		l.detail, l.bad = firstLine(it.err), true
	}
	if s := m.setupOf(it); s != nil && (it.phase == "" || s.phase == event.Failed ||
		it.kind == event.Repo && ui.ClassOf(it.phase) == ui.Good && !s.phase.Final()) {
		l = look{phase: s.phase, progress: s.progress, detail: "setup: " + s.msg}
		if s.err != "" {
			l.detail, l.bad = "setup: "+firstLine(s.err), true
		}
		if it.kind == event.Worker && it.phase == "" && ui.ClassOf(s.phase) == ui.Good {
			// A done setup is not a worker up: no tick until it is ready.
			l = look{phase: event.Waiting, detail: m.waitingFor(it, s)}
		}
	}
	if img := m.pullOf(it); img != nil && (it.phase == "" || img.phase == event.Failed && it.err == "") {
		l = look{phase: img.phase, progress: img.progress, detail: "image " + img.name}
		if img.err != "" {
			l.detail, l.bad = "image "+img.name+": "+firstLine(img.err), true
		}
	}
	return l
}

// waitingFor says what a worker whose setup is done waits for: the needs
// not up yet, else its start.
func (m *model) waitingFor(it, setup *item) string {
	var pending []string
	for _, n := range m.opts.Needs[it.name] {
		need := m.items[itemKey{event.Infra, n}]
		if need == nil {
			need = m.items[itemKey{event.Worker, n}]
		}
		if need != nil && !(need.phase.Final() && ui.ClassOf(need.phase) == ui.Good) {
			pending = append(pending, clean(n))
		}
	}
	done := "setup " + string(setup.phase)
	if len(pending) > 0 {
		return "for " + strings.Join(pending, ", ") + " · " + done
	}
	if setup.msg != "" {
		done += ": " + setup.msg
	}
	return "to start · " + done
}

// itemLine draws name, state, then a progress bar or the facts (port, pid,
// uptime, restarts, exit code), then the message or the reason of a failure.
func (m *model) itemLine(it *item, c columns, paint func(lipgloss.Style, string) string) string {
	st := m.styles
	l := m.lookOf(it)
	class := ui.ClassOf(l.phase)
	if l.phase == "" {
		class = ui.Idle
	}
	state := string(l.phase)
	if state == "" {
		state = "pending"
	}
	var b strings.Builder
	b.WriteString(pad(truncate(it.label, c.name), c.name))
	b.WriteByte(' ')
	// Every glyph is one cell wide, so the state cell is measured by length.
	b.WriteString(paint(st.class[class], glyph(l.phase, m.frame)+" "+state+strings.Repeat(" ", max(c.state-2-len(state), 0))))
	b.WriteByte(' ')
	switch {
	case l.progress != nil && !l.phase.Final():
		b.WriteString(m.bar(*l.progress, c.middle, paint))
	case it.kind == event.Repo && it.git != nil:
		// A repo's facts are its git state; off its branch is a warning.
		style := st.dim
		if it.git.OffBranch() {
			style = st.class[ui.Warn]
		}
		b.WriteString(paint(style, pad(fitGit(*it.git, c.middle), c.middle)))
	default:
		b.WriteString(paint(st.dim, pad(truncate(m.facts(it), c.middle), c.middle)))
	}
	if g := m.repoGit(it); g != nil && !l.bad && g.Notable() {
		// A worker whose repo holds work or is elsewhere says so first.
		l.detail = joinDetail(g.String(), l.detail)
	}
	if c.detail > 0 && l.detail != "" {
		b.WriteByte(' ')
		detail := truncate(clean(l.detail), c.detail)
		if l.bad {
			b.WriteString(paint(st.class[ui.Bad], detail))
		} else {
			b.WriteString(paint(st.dim, detail))
		}
	}
	return strings.TrimRight(b.String(), " ")
}

// fitGit draws a git state in width cells, shortening the branch rather
// than the marks, which say what matters.
func fitGit(g event.Git, width int) string {
	s := g.String()
	if textWidth(s) <= width {
		return s
	}
	marks := g.Marks()
	if room := width - textWidth(marks); room >= 4 {
		return truncate(g.Where(), room) + marks
	}
	return truncate(s, width)
}

// repoGit is the git state of a worker's repo, for its row.
func (m *model) repoGit(it *item) *event.Git {
	if it.kind != event.Worker {
		return nil
	}
	repo := it.name
	if r, ok := m.opts.RepoOf[it.name]; ok {
		repo = r
	}
	if r := m.items[itemKey{event.Repo, repo}]; r != nil {
		return r.git
	}
	return nil
}

func joinDetail(a, b string) string {
	if b == "" {
		return a
	}
	return a + " · " + b
}

// facts are the numbers beside a state: a repo's git state; ports or pid,
// uptime, restarts and the last exit code.
func (m *model) facts(it *item) string {
	var parts []string
	if it.kind == event.Repo && it.git != nil {
		parts = append(parts, it.git.String())
	}
	if l := it.loadText(); l != "" {
		parts = append(parts, l) // first: it is what a look down the rows compares
	}
	if it.pid > 0 && it.phase != "" && !isDown(it.phase) {
		parts = append(parts, fmt.Sprintf("pid %d", it.pid))
	}
	for _, p := range it.ports {
		parts = append(parts, ":"+hostPort(p))
	}
	if it.phase == event.Healthy || it.phase == event.Ready || it.phase == event.Sick {
		parts = append(parts, "up "+uptime(m.now.Sub(it.since)))
	}
	if it.restarts > 0 {
		parts = append(parts, fmt.Sprintf("↻%d", it.restarts))
	}
	if it.exit != nil && (isDown(it.phase) || it.restarts > 0) {
		parts = append(parts, fmt.Sprintf("exit %d", *it.exit))
	}
	if it.watching() {
		parts = append(parts, "◉") // its files are watched: a change restarts it
	}
	return strings.Join(parts, " ")
}

// watching reports whether a worker's files are watched.
func (it *item) watching() bool { return it.watch == "on" || it.watch == "polling" }

// isDown reports phases in which a worker has no process.
func isDown(p event.Phase) bool {
	switch p {
	case event.Exited, event.Stopped, event.Failed, event.Restarting, event.Dead, event.Removed:
		return true
	}
	return false
}

// bar draws a progress bar and its percentage in width cells.
func (m *model) bar(p float64, width int, paint func(lipgloss.Style, string) string) string {
	p = min(max(p, 0), 1)
	cells := max(width-5, 1)
	full := int(p * float64(cells))
	return paint(m.styles.bar, strings.Repeat("█", full)) +
		paint(m.styles.dim, strings.Repeat("░", cells-full)) +
		fmt.Sprintf(" %3.0f%%", p*100)
}
