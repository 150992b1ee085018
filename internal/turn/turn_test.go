package turn

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// waitFor polls until cond holds; it fails the test after a few seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never: %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestAFreeTurnIsTakenAtOnceAndGivenBack(t *testing.T) {
	var turns Turns
	waited := false
	release, err := turns.Take(context.Background(), "stack", "apply", func(string) { waited = true })
	if err != nil || waited {
		t.Fatalf("take of a free turn: err %v, waited %v", err, waited)
	}
	if who, held := turns.Holder("stack"); !held || who != "apply" {
		t.Errorf("Holder = %q, %v; want apply, held", who, held)
	}
	if _, held := turns.Holder("api"); held {
		t.Error("another key is held")
	}
	release()
	release() // a second call does nothing
	if _, held := turns.Holder("stack"); held {
		t.Error("held after release")
	}
	if len(turns.keys) != 0 {
		t.Errorf("keys left after release: %v", turns.keys)
	}
}

func TestTheSecondWaitsSayingForWhomAndGetsItOnRelease(t *testing.T) {
	var turns Turns
	release, _ := turns.Take(context.Background(), "api", "start", nil)
	saw := make(chan string, 1)
	got := make(chan func())
	go func() {
		r, err := turns.Take(context.Background(), "api", "stop", func(holder string) { saw <- holder })
		if err != nil {
			t.Error(err)
		}
		got <- r
	}()
	if holder := <-saw; holder != "start" {
		t.Errorf("waiting was told %q, want start", holder)
	}
	select {
	case <-got:
		t.Fatal("took a turn held by another")
	case <-time.After(20 * time.Millisecond):
	}
	if n := turns.Waiting("api"); n != 1 {
		t.Errorf("Waiting = %d, want 1", n)
	}
	release()
	r := <-got
	if who, _ := turns.Holder("api"); who != "stop" {
		t.Errorf("Holder = %q, want stop", who)
	}
	release() // the first holder's again: it must not free stop's turn
	if who, held := turns.Holder("api"); !held || who != "stop" {
		t.Errorf("a second release of an earlier turn freed the next one's: %q, %v", who, held)
	}
	r()
	if len(turns.keys) != 0 {
		t.Errorf("keys left: %v", turns.keys)
	}
}

func TestWaitersGetTheTurnInTheOrderTheyCame(t *testing.T) {
	var turns Turns
	release, _ := turns.Take(context.Background(), "k", "first", nil)
	var mu sync.Mutex
	var order []string
	var wg sync.WaitGroup
	for i := range 5 {
		who := fmt.Sprint(i)
		wg.Go(func() {
			r, err := turns.Take(context.Background(), "k", who, nil)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			order = append(order, who)
			mu.Unlock()
			r()
		})
		waitFor(t, who+" in line", func() bool { return turns.Waiting("k") == i+1 })
	}
	release()
	wg.Wait()
	if fmt.Sprint(order) != "[0 1 2 3 4]" {
		t.Errorf("order %v, want the order they came in", order)
	}
}

func TestAWaitEndsWithItsContextAndLeavesTheLine(t *testing.T) {
	for _, tt := range []struct {
		name   string
		cancel func(context.CancelFunc)
		want   error
	}{
		{"cancelled", func(c context.CancelFunc) { c() }, context.Canceled},
		{"deadline", func(context.CancelFunc) {}, context.DeadlineExceeded},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var turns Turns
			release, _ := turns.Take(context.Background(), "k", "holder", nil)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
			defer cancel()
			done := make(chan error)
			go func() {
				_, err := turns.Take(ctx, "k", "quitter", nil)
				done <- err
			}()
			waitFor(t, "quitter in line", func() bool { return turns.Waiting("k") == 1 })
			tt.cancel(cancel)
			if err := <-done; !errors.Is(err, tt.want) {
				t.Errorf("err %v, want %v", err, tt.want)
			}
			if n := turns.Waiting("k"); n != 0 {
				t.Errorf("%d still in line", n)
			}
			if who, _ := turns.Holder("k"); who != "holder" {
				t.Errorf("Holder = %q", who)
			}
			release()
			if len(turns.keys) != 0 {
				t.Errorf("keys left: %v", turns.keys)
			}
		})
	}
}

func TestKeysAreIndependent(t *testing.T) {
	var turns Turns
	ra, _ := turns.Take(context.Background(), "api", "a", nil)
	defer ra()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	rb, err := turns.Take(ctx, "web", "b", func(string) { t.Error("web waited for api") })
	if err != nil {
		t.Fatal(err)
	}
	rb()
}

func TestTryTakeNeverWaits(t *testing.T) {
	var turns Turns
	release, ok := turns.TryTake("svc", "rebuild")
	if !ok {
		t.Fatal("TryTake of a free turn failed")
	}
	if _, ok := turns.TryTake("svc", "another"); ok {
		t.Fatal("TryTake took a held turn")
	}
	release()
	r, ok := turns.TryTake("svc", "another")
	if !ok {
		t.Fatal("TryTake after release failed")
	}
	r()
}

// Many takers, some giving up, never hold one key's turn two at a time,
// and leave nothing behind.
func TestNeverTwoHoldersAtOnce(t *testing.T) {
	var turns Turns
	var holding atomic.Int32
	var overlap atomic.Bool
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Duration(i%5)*time.Millisecond+time.Millisecond)
			defer cancel()
			if i%3 == 0 {
				ctx = context.Background()
			}
			release, err := turns.Take(ctx, "k", fmt.Sprint(i), nil)
			if err != nil {
				return
			}
			if holding.Add(1) > 1 {
				overlap.Store(true)
			}
			time.Sleep(100 * time.Microsecond)
			holding.Add(-1)
			release()
		})
	}
	wg.Wait()
	if overlap.Load() {
		t.Error("two held the turn at once")
	}
	if len(turns.keys) != 0 {
		t.Errorf("keys left: %v", turns.keys)
	}
}
