package manifest

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Diagnostic is one mistake in a manifest, at the line and column (both from
// 1) of the YAML node it is about.
type Diagnostic struct {
	File string
	Line int
	Col  int
	Msg  string
}

// String formats d as FILE:LINE:COL: message, the form editors and
// terminals turn into links.
func (d Diagnostic) String() string {
	if d.File == "" {
		return fmt.Sprintf("%d:%d: %s", d.Line, d.Col, d.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", d.File, d.Line, d.Col, d.Msg)
}

// Errors is every mistake found in a manifest, sorted by position. Load and
// Parse return it (as an error) so that callers can print all of them at once
// or inspect them with errors.As.
type Errors []Diagnostic

// Error prints one diagnostic per line.
func (e Errors) Error() string {
	lines := make([]string, len(e))
	for i, d := range e {
		lines[i] = d.String()
	}
	return strings.Join(lines, "\n")
}

// pos is where a YAML node starts. The zero pos means "unknown" and is never
// reported: report falls back to 1:1.
type pos struct{ line, col int }

// report collects diagnostics while loading. It keeps each one once: an
// anchor used many times would otherwise repeat the same mistake.
type report struct {
	file  string
	diags Errors
	seen  map[Diagnostic]bool
	warns []Diagnostic // what is allowed but likely a mistake
}

// warn records a warning: the manifest stays valid.
func (r *report) warn(at pos, format string, args ...any) {
	if at.line < 1 {
		at = pos{1, 1}
	}
	d := Diagnostic{File: r.file, Line: at.line, Col: max(at.col, 1), Msg: "warning: " + fmt.Sprintf(format, args...)}
	if !slices.Contains(r.warns, d) {
		r.warns = append(r.warns, d)
	}
}

func (r *report) add(at pos, format string, args ...any) {
	if at.line < 1 {
		at = pos{1, 1}
	}
	if at.col < 1 {
		at.col = 1
	}
	d := Diagnostic{File: r.file, Line: at.line, Col: at.col, Msg: fmt.Sprintf(format, args...)}
	if r.seen == nil {
		r.seen = map[Diagnostic]bool{}
	}
	if !r.seen[d] {
		r.seen[d] = true
		r.diags = append(r.diags, d)
	}
}

// result sorts the diagnostics by position, and returns nil when there are
// none so that callers can test err == nil.
func (r *report) result() error {
	if len(r.diags) == 0 {
		return nil
	}
	sort.SliceStable(r.diags, func(i, j int) bool {
		a, b := r.diags[i], r.diags[j]
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Col != b.Col {
			return a.Col < b.Col
		}
		return a.Msg < b.Msg
	})
	return r.diags
}
