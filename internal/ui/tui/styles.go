package tui

import (
	"charm.land/lipgloss/v2"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/ui"
)

// styles holds every lipgloss style the screen uses, built once per run so
// that colour on or off is decided in one place. With colour off each style
// is empty: not even bold or reverse, so that NO_COLOR gets plain text and
// the selection shows by its marker alone.
type styles struct {
	on       bool
	class    [ui.Bad + 1]lipgloss.Style // state words and glyphs, by ui.Class
	dim      lipgloss.Style             // secondary text: rules, hints, uptimes
	bold     lipgloss.Style             // the project name, section names
	selected lipgloss.Style             // the selected row
	bar      lipgloss.Style             // the filled part of a progress bar
	key      lipgloss.Style             // key names in hints and help
}

func newStyles(colour bool) styles {
	var s styles
	if !colour {
		return s
	}
	s.on = true
	s.class[ui.Working] = lipgloss.NewStyle().Foreground(lipgloss.Blue)
	s.class[ui.Good] = lipgloss.NewStyle().Foreground(lipgloss.Green)
	s.class[ui.Idle] = lipgloss.NewStyle()
	s.class[ui.Warn] = lipgloss.NewStyle().Foreground(lipgloss.Yellow)
	s.class[ui.Bad] = lipgloss.NewStyle().Foreground(lipgloss.Red)
	s.dim = lipgloss.NewStyle().Foreground(lipgloss.BrightBlack)
	s.bold = lipgloss.NewStyle().Bold(true)
	s.selected = lipgloss.NewStyle().Reverse(true)
	s.bar = lipgloss.NewStyle().Foreground(lipgloss.Blue)
	s.key = lipgloss.NewStyle().Bold(true)
	return s
}

// render applies st to text when colour is on; with it off, or for empty
// text, it skips lipgloss's measuring altogether.
func (s styles) render(st lipgloss.Style, text string) string {
	if !s.on || text == "" {
		return text
	}
	return st.Render(text)
}

// spinnerFrames animate the glyph of an item at work, one frame per fast
// tick; each frame is one three-byte rune.
const spinnerFrames = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"

// glyph is what stands before a state word, telling the class without colour.
func glyph(p event.Phase, frame int) string {
	if p == "" {
		return "·"
	}
	switch ui.ClassOf(p) {
	case ui.Good:
		return "✓"
	case ui.Idle:
		return "○"
	case ui.Warn:
		return "!"
	case ui.Bad:
		return "✗"
	}
	i := frame % (len(spinnerFrames) / 3) * 3
	return spinnerFrames[i : i+3]
}
