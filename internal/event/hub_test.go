package event

import (
	"context"
	"testing"
)

func TestHubReplaysStateThenStreams(t *testing.T) {
	h := NewHub()
	h.Emit(Event{Kind: Repo, Name: "api", Phase: Cloning, Progress: Fraction(0.5)})
	h.Emit(Event{Kind: Repo, Name: "api", Phase: Cloned})
	h.Emit(Event{Kind: Worker, Name: "api", Phase: Ready})
	h.Emit(Event{Kind: Worker, Name: "api", Phase: Ready, Line: "GET /"})
	h.Emit(Event{Kind: Stack, Phase: Done})

	ctx, cancel := context.WithCancel(context.Background())
	q := h.Subscribe(ctx)
	h.Emit(Event{Kind: Worker, Name: "api", Phase: Exited})

	batch, _ := q.Next(ctx)
	var got []string
	for _, e := range batch {
		got = append(got, string(e.Kind)+" "+string(e.Phase)+e.Line)
	}
	want := []string{"repo cloned", "worker ready", "stack done", "worker exited"}
	if len(got) != len(want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %q, want %q", got, want)
		}
	}
	cancel()
	for {
		if _, ok := q.Next(context.Background()); !ok {
			break
		}
	}
	h.Emit(Event{Kind: Worker, Name: "api", Phase: Ready}) // no subscriber left: must not block or panic
}
