package tui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// ringSize is how many lines of output the screen keeps per item: enough to
// read what led to a crash, bounded so a chatty worker cannot grow memory.
const ringSize = 2000

// maxLineLen bounds one stored line; a worker printing a megabyte of JSON on
// one line would otherwise be kept, measured and redrawn whole.
const maxLineLen = 1000

// ring keeps the last ringSize lines, oldest first, without moving the rest
// when one is added.
type ring struct {
	lines []string
	next  int // where the next line goes once the ring is full
}

func (r *ring) add(line string) {
	// Only cut here, which bounds what is kept; the cleaning (escape
	// codes, control characters) waits for the lines to be shown: a
	// chatty worker's thousands of lines a second are mostly never read.
	if len(line) > maxLineLen {
		line = strings.Clone(line[:maxLineLen])
	}
	if len(r.lines) < ringSize {
		r.lines = append(r.lines, line)
		return
	}
	r.lines[r.next] = line
	r.next = (r.next + 1) % ringSize
}

// all returns a copy of the lines, oldest first, cleaned: the viewport
// keeps and may edit the slice it is given.
func (r *ring) all() []string {
	out := make([]string, 0, len(r.lines))
	for _, part := range [][]string{r.lines[r.next:], r.lines[:r.next]} {
		for _, l := range part {
			out = append(out, clean(l))
		}
	}
	return out
}

// clean makes a line of someone else's output safe to draw: escape sequences
// could move the cursor or recolour the screen, tabs and control characters
// would break the measured layout.
func clean(s string) string {
	if plain(s) {
		// Most lines of a log: one pass over their bytes, and nothing kept
		// of what is cut off.
		if len(s) > maxLineLen {
			return strings.Clone(s[:maxLineLen])
		}
		return s
	}
	if strings.ContainsRune(s, '\x1b') {
		s = ansi.Strip(s)
	}
	if len(s) > maxLineLen {
		s = strings.Clone(s[:maxLineLen])
	}
	if !strings.ContainsFunc(s, isControl) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\t':
			b.WriteString("    ")
		case isControl(r):
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// plain reports whether the part of s that is kept is printable ASCII.
func plain(s string) bool {
	for i := 0; i < len(s) && i < maxLineLen; i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f || r == '\uFFFD' }
