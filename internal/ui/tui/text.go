package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"
)

// Text helpers: every line the screen draws is measured and cut here, so
// that nothing wraps or scrolls the terminal.

// spread puts left and right on one line of width, right-aligned. When both
// do not fit, the right is cut to what is left, or dropped when that is
// too little to read.
func spread(left, right string, width int) string {
	lw, rw := textWidth(left), textWidth(right)
	if right == "" || lw+1+rw > width {
		room := width - lw - 3
		if right == "" || room < 12 {
			return ansi.Truncate(left, width, "…")
		}
		right, rw = ansi.Truncate(right, room, "…"), room
	}
	return left + strings.Repeat(" ", width-lw-rw) + right
}

// pad fills s with spaces to width cells.
func pad(s string, width int) string {
	if w := textWidth(s); w < width {
		return s + strings.Repeat(" ", width-w)
	}
	return s
}

// textWidth is lipgloss.Width for one line, with a fast path for plain
// ASCII, which most names, ports and messages are: measuring graphemes was
// most of the cost of a frame.
func textWidth(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 || s[i] == 0x1b {
			return ansi.StringWidth(s)
		}
	}
	return len(s)
}

// truncate cuts s to width cells, marking the cut with an ellipsis.
func truncate(s string, width int) string {
	if textWidth(s) <= width {
		return s
	}
	return ansi.Truncate(s, max(width, 0), "…")
}

// wrap breaks lines wider than width into several, in place when none is.
func wrap(lines []string, width int) []string {
	width = max(width, 1)
	var out []string
	for i, l := range lines {
		if textWidth(l) <= width {
			if out != nil {
				out = append(out, l)
			}
			continue
		}
		if out == nil {
			out = append(make([]string, 0, len(lines)+8), lines[:i]...)
		}
		out = append(out, splitLines(ansi.Hardwrap(l, width, true))...)
	}
	if out == nil {
		return lines
	}
	return out
}

// duration is an elapsed time as a person reads it: 42s, 3m12s, 2h05m.
func duration(d time.Duration) string {
	d = max(d, 0).Truncate(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

// uptime is coarser than duration: a row that changes every second for
// hours would be noise, and redraw work.
func uptime(d time.Duration) string {
	switch {
	case d < time.Minute:
		return duration(d)
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 24*time.Hour:
		return duration(d)
	}
	return fmt.Sprintf("%dd%02dh", int(d.Hours())/24, int(d.Hours())%24)
}

// hostPort shortens a binding like 127.0.0.1:5672->5672/tcp to its host
// port, which is what a developer connects to.
func hostPort(binding string) string {
	host, _, _ := strings.Cut(binding, "->")
	if i := strings.LastIndexByte(host, ':'); i >= 0 {
		host = host[i+1:]
	}
	return host
}

func firstLine(s string) string {
	first, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return first
}

func splitLines(s string) []string {
	return strings.Split(strings.TrimRight(s, "\n"), "\n")
}
