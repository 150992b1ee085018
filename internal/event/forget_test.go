package event

import (
	"context"
	"testing"
)

func TestHubForget(t *testing.T) {
	h := NewHub()
	h.Emit(Event{Kind: "queue", Name: "rabbitmq/a", Phase: Removed})
	h.Emit(Event{Kind: Worker, Name: "api", Phase: Ready})
	h.Forget("queue", "rabbitmq/a")
	h.Forget("queue", "never")
	if _, ok := h.Last("queue", "rabbitmq/a"); ok {
		t.Error("a forgotten item has a state")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	batch, _ := h.Subscribe(ctx).Next(ctx)
	if len(batch) != 1 || batch[0].Name != "api" {
		t.Errorf("a new subscriber is told %+v, want api only", batch)
	}
}
