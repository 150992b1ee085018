package queues

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// GrowFor is how long a queue's ready count must keep growing before it
// is sick: long enough that a burst its consumers work off is not.
const GrowFor = time.Minute

// Judge tells which queues back up, and who is to blame: it remembers,
// per queue, since when its ready count has grown without a fall, and the
// workers last seen consuming it, so that a queue nobody consumes any
// more names who should. Not safe for concurrent use.
type Judge struct {
	GrowFor time.Duration // 0: GrowFor
	seen    map[Key]*memory
}

type memory struct {
	since     time.Time // start of the run of samples without a fall
	from      int       // the ready count then
	last      int
	consumers []string // the workers last seen consuming it
}

// Verdict is a queue's health.
type Verdict struct {
	Sick   bool
	Reason string
	// Blame are the workers made sick by it; none with Sick: the broker's
	// row is.
	Blame []string
}

// Judge judges each queue of s; workers are the consumer workers of each
// (by key, from Attribute). A queue is sick when it holds ready messages
// and has no consumer, or when its ready count kept growing for GrowFor.
// Queues no longer in s are forgotten.
func (j *Judge) Judge(s Sample, workers map[Key][]string) map[Key]Verdict {
	grow := j.GrowFor
	if grow == 0 {
		grow = GrowFor
	}
	if j.seen == nil {
		j.seen = map[Key]*memory{}
	}
	out := map[Key]Verdict{}
	present := map[Key]bool{}
	for _, q := range s.Queues {
		k := KeyOf(q)
		present[k] = true
		m := j.seen[k]
		if m == nil {
			m = &memory{since: s.At, from: q.Ready, last: q.Ready}
			j.seen[k] = m
		}
		if q.Ready < m.last || q.Ready == 0 {
			m.since, m.from = s.At, q.Ready
		}
		m.last = q.Ready
		if w := workers[k]; len(w) > 0 {
			m.consumers = slices.Clone(w)
		}
		var v Verdict
		switch {
		case q.Ready > 0 && q.Consumers == 0:
			v = Verdict{Sick: true, Blame: slices.Clone(m.consumers)}
			v.Reason = fmt.Sprintf("%s %s ready, 0 consumers: %s", q.Name, Count(q.Ready), notConsuming(m.consumers))
		case q.Ready > m.from && s.At.Sub(m.since) >= grow:
			blame := workers[k]
			if len(blame) == 0 {
				blame = m.consumers
			}
			v = Verdict{Sick: true, Blame: slices.Clone(blame)}
			v.Reason = fmt.Sprintf("%s %s ready, up %s in %s, %s: %s", q.Name, Count(q.Ready), Count(q.Ready-m.from),
				s.At.Sub(m.since).Round(time.Second), consumers(q.Consumers), keepUp(blame))
		}
		out[k] = v
	}
	for k := range j.seen {
		if !present[k] {
			delete(j.seen, k)
		}
	}
	return out
}

func consumers(n int) string {
	if n == 1 {
		return "1 consumer"
	}
	return Count(n) + " consumers"
}

func notConsuming(names []string) string {
	switch len(names) {
	case 0:
		return "no worker consumes it"
	case 1:
		return names[0] + " is not consuming"
	}
	return strings.Join(names, ", ") + " are not consuming"
}

func keepUp(names []string) string {
	switch len(names) {
	case 0:
		return "its consumers do not keep up"
	case 1:
		return names[0] + " does not keep up"
	}
	return strings.Join(names, ", ") + " do not keep up"
}

// Count writes n with thousands separators: 1,204.
func Count(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
