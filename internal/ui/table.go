package ui

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Row is one line of a summary table; Class colours its state column.
type Row struct {
	Cells []string
	Class Class
	// StateColumn is the cell painted with Class.
	StateColumn int
}

// Table prints rows under a header, columns padded to their widest cell.
// Colour, when on, goes on the header and on each row's state cell only, so
// that the alignment is computed on the plain text.
func Table(w io.Writer, colour bool, header []string, rows []Row) {
	widths := make([]int, len(header))
	for i, h := range header {
		widths[i] = utf8.RuneCountInString(h)
	}
	for _, r := range rows {
		for i, c := range r.Cells {
			if i < len(widths) {
				widths[i] = max(widths[i], utf8.RuneCountInString(c))
			}
		}
	}
	line := func(cells []string, paintCell func(i int, s string) string) string {
		var b strings.Builder
		for i, c := range cells {
			if i == len(cells)-1 {
				b.WriteString(paintCell(i, c))
				break
			}
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c)+2)
			b.WriteString(paintCell(i, c) + pad)
		}
		return strings.TrimRight(b.String(), " ")
	}
	fmt.Fprintln(w, line(header, func(_ int, s string) string { return bold(colour, s) }))
	for _, r := range rows {
		fmt.Fprintln(w, line(r.Cells, func(i int, s string) string {
			if i == r.StateColumn {
				return paint(colour, r.Class, s)
			}
			return s
		}))
	}
}
