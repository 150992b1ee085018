package event

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// While nobody reads, pending output is bounded per item: the oldest lines
// go, one marker per item says how many and where they all are, and every
// state change stays, in order.
func TestQueueBoundsPendingOutputButKeepsStateChanges(t *testing.T) {
	q := NewQueue(WithOutputLimit(100, 1<<20), WithLogFile(func(name string) string { return "/ws/.crispify/logs/" + name + ".log" }))
	const lines = 10_000
	for i := range lines {
		q.Emit(Event{Kind: Worker, Name: "api", Phase: Ready, Line: fmt.Sprintf("api line %d", i)})
		if i%10 == 0 {
			q.Emit(Event{Kind: Worker, Name: "web", Phase: Ready, Line: fmt.Sprintf("web line %d", i)})
		}
		if i%1000 == 0 {
			q.Emit(Event{Kind: Worker, Name: "api", Phase: Exited, Msg: fmt.Sprint(i)})
		}
	}
	q.Emit(Event{Kind: Worker, Name: "api", Phase: Ready, Msg: "last"})
	batch, _ := q.Next(context.Background())

	var states, markers []string
	out := map[string][]string{}
	for _, e := range batch {
		switch {
		case strings.HasPrefix(e.Line, "… "):
			markers = append(markers, e.Name+": "+e.Line)
		case e.IsOutput():
			out[e.Name] = append(out[e.Name], e.Line)
		default:
			states = append(states, string(e.Phase)+" "+e.Msg)
		}
	}
	wantStates := []string{"exited 0", "exited 1000", "exited 2000", "exited 3000", "exited 4000",
		"exited 5000", "exited 6000", "exited 7000", "exited 8000", "exited 9000", "ready last"}
	if strings.Join(states, ",") != strings.Join(wantStates, ",") {
		t.Errorf("state changes: %q, want %q", states, wantStates)
	}
	if len(out["api"]) != 100 || out["api"][99] != "api line 9999" || out["api"][0] != "api line 9900" {
		t.Errorf("api kept %d lines (%q ... %q), want its newest 100", len(out["api"]), first(out["api"]), last(out["api"]))
	}
	if len(out["web"]) != 100 || last(out["web"]) != "web line 9990" {
		t.Errorf("web kept %d lines, last %q", len(out["web"]), last(out["web"]))
	}
	want := []string{
		"api: … 9900 lines skipped (all in /ws/.crispify/logs/api.log)",
		"web: … 900 lines skipped (all in /ws/.crispify/logs/web.log)",
	}
	if strings.Join(markers, "\n") != strings.Join(want, "\n") {
		t.Errorf("markers:\n%s\nwant:\n%s", strings.Join(markers, "\n"), strings.Join(want, "\n"))
	}
	// The marker stands where the first skipped line stood: before the
	// lines kept.
	for _, e := range batch {
		if e.Name == "api" && e.IsOutput() {
			if !strings.HasPrefix(e.Line, "… ") {
				t.Errorf("the first api output is %q, want the marker", e.Line)
			}
			break
		}
	}
}

// A limit in bytes bounds lines of any length.
func TestQueueBoundsPendingOutputBytes(t *testing.T) {
	q := NewQueue(WithOutputLimit(1000, 10<<10))
	long := strings.Repeat("x", 1000)
	for range 100 {
		q.Emit(Event{Kind: Setup, Name: "api", Phase: Running, Line: long})
	}
	batch, _ := q.Next(context.Background())
	size := 0
	for _, e := range batch {
		size += len(e.Line)
	}
	if size > 11<<10 || !strings.Contains(batch[0].Line, "lines skipped (all in its log: crispify logs api)") {
		t.Errorf("kept %d bytes, first %q", size, batch[0].Line)
	}
}

// 50 MB of output emitted with no reader leaves the queue holding a few:
// a paused terminal took crispify to 920 MB.
func TestQueueWithNoReaderStaysSmall(t *testing.T) {
	q := NewQueue()
	line := strings.Repeat("y", 99)
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	workers := []string{"w0", "w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8", "w9"}
	for i := range 500_000 {
		q.Emit(Event{Kind: Worker, Name: workers[i%10], Phase: Ready, Line: line})
	}
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if grew := int64(after.HeapInuse) - int64(before.HeapInuse); grew > 40<<20 {
		t.Errorf("50 MB of output pending takes %d MB", grew>>20)
	}
	batch, _ := q.Next(context.Background())
	if n := len(batch); n > 10*(DefaultOutputLines+1) {
		t.Errorf("%d events pending, want at most %d per worker", n, DefaultOutputLines+1)
	}
}

// Each subscriber of a hub is bounded the same way: a `status --watch`
// that reads nothing does not make the supervisor grow.
func TestHubSubscriberThatReadsNothingIsBounded(t *testing.T) {
	h := NewHub(WithOutputLimit(10, 1<<20))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	q := h.Subscribe(ctx)
	for i := range 1000 {
		h.Emit(Event{Kind: Worker, Name: "api", Phase: Ready, Line: fmt.Sprint(i)})
	}
	h.Emit(Event{Kind: Worker, Name: "api", Phase: Exited})
	batch, _ := q.Next(ctx)
	if len(batch) != 12 || batch[len(batch)-1].Phase != Exited {
		t.Errorf("pending: %d events, last %+v; want a marker, 10 lines and the exit", len(batch), batch[len(batch)-1])
	}
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

func last(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[len(s)-1]
}
