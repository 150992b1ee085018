package stack

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/crispify/crispify/internal/event"
)

// A second apply waits for the one under way, saying so on its own sink,
// and has its turn once the first ends; one whose context ends first gives
// up with the context's error.
func TestASecondApplyWaitsItsTurnSayingSo(t *testing.T) {
	s := &Supervisor{}
	quiet := &events{}
	first, err := s.applyTurn(context.Background(), quiet)
	if err != nil || len(quiet.all) != 0 {
		t.Fatalf("the first apply: %v, events %v", err, quiet.all)
	}
	ev := &events{}
	got := make(chan func())
	go func() {
		r, err := s.applyTurn(context.Background(), ev)
		if err != nil {
			t.Error(err)
		}
		got <- r
	}()
	deadline := time.Now().Add(5 * time.Second)
	for s.turns.Waiting(stackTurn) != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the second apply never waited")
		}
		time.Sleep(time.Millisecond)
	}
	select {
	case <-got:
		t.Fatal("the second apply ran during the first")
	case <-time.After(20 * time.Millisecond):
	}
	ev.mu.Lock()
	said := append([]event.Event(nil), ev.all...)
	ev.mu.Unlock()
	if len(said) != 1 || said[0].Kind != event.Stack || said[0].Phase != event.Started ||
		said[0].Msg != "waiting for the change under way in this stack to end" {
		t.Errorf("the waiting apply said %+v", said)
	}
	first()
	(<-got)()

	hold, _ := s.applyTurn(context.Background(), quiet)
	defer hold()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if _, err := s.applyTurn(ctx, event.Discard); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("an apply whose context ended while it waited: %v", err)
	}
}
