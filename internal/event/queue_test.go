package event

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

func names(batch []Event) []string {
	var out []string
	for _, e := range batch {
		p := ""
		if e.Progress != nil {
			p = fmt.Sprintf(" %.0f%%", *e.Progress*100)
		}
		out = append(out, e.Name+" "+string(e.Phase)+p)
	}
	return out
}

func TestQueueCoalescesProgressButKeepsEveryStateChange(t *testing.T) {
	q := NewQueue()
	q.Emit(Event{Kind: Repo, Name: "api", Phase: Cloning, Progress: Fraction(0.1)})
	q.Emit(Event{Kind: Repo, Name: "web", Phase: Cloning, Progress: Fraction(0.1)})
	q.Emit(Event{Kind: Repo, Name: "api", Phase: Cloning, Progress: Fraction(0.5)})
	q.Emit(Event{Kind: Repo, Name: "api", Phase: Cloning, Progress: Fraction(0.9)})
	q.Emit(Event{Kind: Repo, Name: "api", Phase: Cloned})
	q.Emit(Event{Kind: Repo, Name: "web", Phase: Cloning, Progress: Fraction(0.7)})
	q.Emit(Event{Kind: Repo, Name: "web", Phase: Failed})
	q.Emit(Event{Kind: Repo, Name: "web", Phase: Failed, Msg: "again"})

	batch, ok := q.Next(context.Background())
	if !ok {
		t.Fatal("Next: closed before anything was read")
	}
	got := names(batch)
	want := []string{"api cloning 90%", "web cloning 70%", "api cloned", "web failed", "web failed"}
	if len(got) != len(want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("event %d: got %q, want %q (all: %q)", i, got[i], want[i], got)
		}
	}
	for _, e := range batch {
		if e.TS.IsZero() {
			t.Errorf("%s %s: no timestamp", e.Name, e.Phase)
		}
	}
}

func TestQueueDoesNotCoalesceAcrossPhases(t *testing.T) {
	q := NewQueue()
	q.Emit(Event{Kind: Infra, Name: "redis", Phase: Creating})
	q.Emit(Event{Kind: Infra, Name: "redis", Phase: Starting})
	q.Emit(Event{Kind: Infra, Name: "redis", Phase: Waiting, Msg: "1"})
	q.Emit(Event{Kind: Infra, Name: "redis", Phase: Waiting, Msg: "2"})
	batch, _ := q.Next(context.Background())
	if len(batch) != 3 || batch[2].Msg != "2" {
		t.Fatalf("got %q, want creating, starting, waiting(2)", names(batch))
	}
}

func TestQueueCloseDeliversPendingThenEnds(t *testing.T) {
	q := NewQueue()
	q.Emit(Event{Kind: Stack, Phase: Done})
	q.Close()
	q.Emit(Event{Kind: Stack, Phase: Failed}) // after Close: dropped
	var got []Event
	q.Drain(func(e Event) { got = append(got, e) })
	if len(got) != 1 || got[0].Phase != Done {
		t.Fatalf("got %q, want just the done event", names(got))
	}
}

func TestQueueEmitNeverWaitsForTheReader(t *testing.T) {
	q := NewQueue()
	start := time.Now()
	for i := range 100_000 {
		q.Emit(Event{Kind: Repo, Name: "api", Phase: Cloning, Progress: Fraction(float64(i) / 100_000)})
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("100000 emits with no reader took %s", d)
	}
	batch, _ := q.Next(context.Background())
	if len(batch) != 1 {
		t.Fatalf("unread progress of one item should coalesce to 1 event, got %d", len(batch))
	}
}

func TestQueueConcurrentEmittersLoseNoFinalEvent(t *testing.T) {
	q := NewQueue()
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := string(rune('a' + w))
			for i := range 1000 {
				q.Emit(Event{Kind: Worker, Name: name, Phase: Starting, Progress: Fraction(float64(i) / 1000)})
			}
			q.Emit(Event{Kind: Worker, Name: name, Phase: Ready})
		}()
	}
	done := make(chan int)
	go func() {
		finals := 0
		q.Drain(func(e Event) {
			if e.Phase == Ready {
				finals++
			}
		})
		done <- finals
	}()
	wg.Wait()
	q.Close()
	if got := <-done; got != 8 {
		t.Fatalf("got %d ready events, want 8", got)
	}
}

func TestNextReturnsWhenContextEnds(t *testing.T) {
	q := NewQueue()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, ok := q.Next(ctx); ok {
		t.Fatal("Next on an empty queue returned ok after its context ended")
	}
}

func TestFinalPhases(t *testing.T) {
	for _, p := range []Phase{Cloned, Updated, Unchanged, Skipped, Failed, Present, Pulled, Healthy, Sick, Dead, Removed, Done, Ready, Exited, Stopped} {
		if !p.Final() {
			t.Errorf("%s: want final", p)
		}
	}
	for _, p := range []Phase{Cloning, Updating, Pulling, Creating, Starting, Waiting, Running, Restarting, Started} {
		if p.Final() {
			t.Errorf("%s: want not final", p)
		}
	}
}

func TestQueueKeepsEveryOutputLine(t *testing.T) {
	q := NewQueue()
	q.Emit(Event{Kind: Worker, Name: "api", Phase: Starting, Progress: Fraction(0.1)})
	for _, l := range []string{"one", "two", "three"} {
		q.Emit(Event{Kind: Worker, Name: "api", Phase: Starting, Line: l})
	}
	q.Emit(Event{Kind: Worker, Name: "api", Phase: Starting, Progress: Fraction(0.2)})
	batch, _ := q.Next(context.Background())
	var lines []string
	for _, e := range batch {
		if e.IsOutput() {
			lines = append(lines, e.Line)
		}
	}
	if len(lines) != 3 || len(batch) != 4 {
		t.Fatalf("got %d events with lines %q; want 3 lines and the coalesced progress", len(batch), lines)
	}
	if p := batch[0].Progress; p == nil || *p != 0.2 {
		t.Errorf("progress not coalesced past output lines: %+v", batch[0])
	}
}

// Lines given in a batch queue as if emitted one by one: in order, and
// bounded per item alike.
func TestEmitLinesIsEmitOfEach(t *testing.T) {
	one, batch := NewQueue(), NewQueue()
	var lines []Event
	for i := range 2500 {
		lines = append(lines, Event{Kind: Worker, Name: "api", Phase: Ready, Line: fmt.Sprintf("line %d", i)})
	}
	for _, e := range lines {
		one.Emit(e)
	}
	EmitLines(batch, lines)
	a, _ := one.Next(context.Background())
	b, _ := batch.Next(context.Background())
	if len(a) != len(b) || len(a) == 0 {
		t.Fatalf("one by one %d events, in a batch %d", len(a), len(b))
	}
	for i := range a {
		if a[i].Line != b[i].Line {
			t.Fatalf("event %d: %q one by one, %q in a batch", i, a[i].Line, b[i].Line)
		}
	}
	if !strings.HasPrefix(b[0].Line, "… ") {
		t.Errorf("a batch past the bound has no skipped-lines marker first: %q", b[0].Line)
	}
}
