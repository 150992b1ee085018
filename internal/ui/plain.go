package ui

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/crispify/crispify/internal/event"
)

// Plain prints one line per state change, for logs, pipes and CI: an item's
// progress at most once per 10%, colour only when asked for.
type Plain struct {
	w      io.Writer
	colour bool
	start  time.Time
	width  int // of the name column: see widen
	last   map[itemKey]printed
}

type itemKey struct {
	kind event.Kind
	name string
}

// printed is what was last shown of an item, to leave out repeats.
type printed struct {
	phase  event.Phase
	bucket int // progress in tenths, -1 when none
}

// NewPlain returns a renderer writing lines to w.
func NewPlain(w io.Writer, colour bool) *Plain {
	return &Plain{w: w, colour: colour, width: 12, last: map[itemKey]printed{}}
}

// Render prints e unless it only repeats what was shown: the same phase with
// progress in the same tenth.
func (p *Plain) Render(e event.Event) {
	if e.Kind == event.Load {
		return // figures every 2 s are for the board and --output json, not lines
	}
	if e.Kind == event.QueueKind {
		return // a queue's figures too; a worker it makes sick says so in its own line
	}
	if p.start.IsZero() {
		p.start = e.TS
	}
	if e.IsOutput() {
		p.widen(e)
		fmt.Fprintf(p.w, "%6.1fs  %-6s  %-*s  | %s\n", e.TS.Sub(p.start).Seconds(), e.Kind, p.width, e.Name, e.Line)
		return
	}
	k := itemKey{e.Kind, e.Name}
	now := printed{phase: e.Phase, bucket: -1}
	if e.Progress != nil {
		now.bucket = int(*e.Progress * 10)
	}
	if last, ok := p.last[k]; ok && !e.Phase.Final() && last.phase == e.Phase && now.bucket <= last.bucket {
		return
	}
	p.last[k] = now
	p.widen(e)
	fmt.Fprintln(p.w, p.line(e))
}

// nameCap bounds the name column: a longer name pushes only its own lines
// to the right, not those of every repo and worker after it.
const nameCap = 24

// widen grows the name column to fit e's name, up to nameCap. An image's
// name, a reference such as crispify-fixture/elasticsearch-standin:8, never
// widens it: images have a few lines each, at the start, and would push
// every later line of a repo or worker far to the right.
func (p *Plain) widen(e event.Event) {
	if e.Kind != event.Image {
		p.width = max(p.width, min(len(e.Name), nameCap))
	}
}

func (p *Plain) line(e event.Event) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%6.1fs  %-6s  %-*s  ", e.TS.Sub(p.start).Seconds(), e.Kind, p.width, e.Name)
	b.WriteString(paint(p.colour, ClassOf(e.Phase), fmt.Sprintf("%-10s", e.Phase)))
	if e.Progress != nil && !e.Phase.Final() {
		fmt.Fprintf(&b, " %3.0f%%", *e.Progress*100)
	}
	if e.Git != nil {
		b.WriteString("  " + e.Git.String())
	}
	if e.Msg != "" {
		b.WriteString("  " + e.Msg)
	}
	if len(e.Counts) > 0 {
		b.WriteString("  " + FormatStackCounts(e.Counts))
	}
	if e.Error != "" {
		// The first line only: the whole error is printed once, at the end.
		first, _, _ := strings.Cut(e.Error, "\n")
		b.WriteString("  " + paint(p.colour, Bad, first))
	}
	return strings.TrimRight(b.String(), " ")
}

// Close does nothing; every line is written when rendered.
func (p *Plain) Close() error { return nil }

// FormatCounts writes a summary like "38 cloned, 2 skipped", largest first.
func FormatCounts(counts map[event.Phase]int) string {
	phases := byCount(counts)
	parts := make([]string, len(phases))
	for i, ph := range phases {
		parts[i] = fmt.Sprintf("%d %s", counts[ph], ph)
	}
	return strings.Join(parts, ", ")
}

// countNouns name what a phase counts where only one kind of item reaches
// it: "6 images present" says what "6 present" did not.
var countNouns = map[event.Phase]string{
	event.Present: "images", event.Pulled: "images", event.Done: "setups",
	event.Cloned: "repos", event.Updated: "repos", event.Healthy: "infra",
	event.Ready: "workers",
}

// FormatStackCounts writes the counts of a stack event, across kinds: "6
// infra healthy, 6 images present, 4 repos cloned, 4 setups done, 4 workers
// ready", largest first; a phase several kinds reach (unchanged, failed)
// stays bare.
func FormatStackCounts(counts map[event.Phase]int) string {
	phases := byCount(counts)
	parts := make([]string, len(phases))
	for i, ph := range phases {
		if noun, ok := countNouns[ph]; ok {
			parts[i] = fmt.Sprintf("%d %s %s", counts[ph], noun, ph)
		} else {
			parts[i] = fmt.Sprintf("%d %s", counts[ph], ph)
		}
	}
	return strings.Join(parts, ", ")
}

// FormatNamedCounts writes the counts of one kind of item naming what they
// count, "38 repos cloned, 1 repo skipped": a bare "6 present" beside
// other kinds' counts says nothing.
func FormatNamedCounts(counts map[event.Phase]int, one, many string) string {
	phases := byCount(counts)
	parts := make([]string, len(phases))
	for i, ph := range phases {
		noun := many
		if counts[ph] == 1 {
			noun = one
		}
		parts[i] = fmt.Sprintf("%d %s %s", counts[ph], noun, ph)
	}
	return strings.Join(parts, ", ")
}

// byCount returns the phases counted at least once, largest count first.
func byCount(counts map[event.Phase]int) []event.Phase {
	phases := make([]event.Phase, 0, len(counts))
	for ph, n := range counts {
		if n > 0 {
			phases = append(phases, ph)
		}
	}
	slices.SortFunc(phases, func(a, b event.Phase) int {
		if d := counts[b] - counts[a]; d != 0 {
			return d
		}
		return strings.Compare(string(a), string(b))
	})
	return phases
}
