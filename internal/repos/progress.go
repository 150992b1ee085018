package repos

import (
	"strconv"
	"strings"
	"sync"

	"github.com/crispify/crispify/internal/event"
)

// stage is one step git reports while it clones or fetches, with the share
// of the whole 0..1 scale it covers. The shares are rough costs: receiving
// the pack dominates, the server's counting is quick.
type stage struct {
	prefix     string
	start, end float64
}

// stages lists what git reports, in order.
func stages() [7]stage {
	return [...]stage{
		{"Enumerating objects", 0, 0.02},
		{"Counting objects", 0.02, 0.05},
		{"Compressing objects", 0.05, 0.15},
		{"Receiving objects", 0.15, 0.80},
		{"Resolving deltas", 0.80, 0.92},
		{"Updating files", 0.92, 1},
		{"Checking out files", 0.92, 1}, // older git said this
	}
}

// parseProgress reads one progress line of git ("remote: Counting objects:
// 42% (420/1000)") and returns where it puts the whole job on 0..1. A line
// that is no progress (an error, "Cloning into ...") gives ok=false.
func parseProgress(line string) (overall float64, ok bool) {
	line = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "remote:"))
	for _, s := range stages() {
		rest, found := strings.CutPrefix(line, s.prefix+":")
		if !found {
			continue
		}
		frac := 0.0
		if pct, _, found := strings.Cut(strings.TrimSpace(rest), "%"); found {
			n, err := strconv.ParseFloat(pct, 64)
			if err != nil {
				return 0, false
			}
			frac = min(max(n/100, 0), 1)
		} else if strings.HasSuffix(rest, "done.") {
			frac = 1
		}
		return s.start + frac*(s.end-s.start), true
	}
	return 0, false
}

// lines is an io.Writer that cuts what git writes into lines, ending at \r
// (progress redraws) or \n, and hands each non-empty one to fn.
type lines struct {
	fn      func(string)
	partial []byte
}

func (l *lines) Write(p []byte) (int, error) {
	for _, b := range p {
		if b == '\r' || b == '\n' {
			l.flush()
			continue
		}
		l.partial = append(l.partial, b)
	}
	return len(p), nil
}

// flush hands on the unterminated rest, if any.
func (l *lines) flush() {
	if len(l.partial) > 0 {
		l.fn(string(l.partial))
		l.partial = l.partial[:0]
	}
}

// reporter turns the progress lines of one repo into events: monotonic (a
// fetch after a clone step never moves the bar back), and at most one per
// percent, since a slow terminal would only drop the rest.
type reporter struct {
	sink  event.Sink
	name  string
	phase event.Phase

	mu   sync.Mutex // go-git reports from its own goroutine
	last float64
}

func (r *reporter) start(msg string) {
	r.sink.Emit(event.Event{Kind: event.Repo, Name: r.name, Phase: r.phase, Progress: event.Fraction(0), Msg: msg})
}

// line is the progress callback given to a backend.
func (r *reporter) line(s string) {
	p, ok := parseProgress(s)
	if !ok {
		return
	}
	r.mu.Lock()
	if p < r.last+0.01 {
		r.mu.Unlock()
		return
	}
	r.last = max(r.last, p)
	p = r.last
	r.mu.Unlock()
	r.sink.Emit(event.Event{Kind: event.Repo, Name: r.name, Phase: r.phase, Progress: event.Fraction(p), Msg: Redact(cleanLine(s))})
}

// cleanLine is a progress line as a person reads it: without "remote:", the
// padding git uses to redraw in place, or the trailing ", done.".
func cleanLine(s string) string {
	s = strings.TrimPrefix(strings.TrimSpace(s), "remote:")
	s = strings.Join(strings.Fields(s), " ")
	return strings.TrimSuffix(s, ", done.")
}
