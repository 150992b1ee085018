// Package turn owns crispify's "one at a time": a turn per key (the whole
// stack for its applies, a worker's name for what is done to it, a service
// for the rebuilds of its watcher) that a caller takes and gives back,
// others waiting in line, in the order they came, until it is theirs or
// their context ends. It imports nothing of crispify, so that every engine
// package can use it.
package turn

import (
	"context"
	"slices"
	"sync"
)

// Turns hands out one turn per key. The zero value is ready to use; a key
// takes memory only while its turn is held or waited for.
type Turns struct {
	mu   sync.Mutex
	keys map[string]*slot
}

// slot is the turn of one key.
type slot struct {
	holder string    // who holds it
	queue  []*waiter // who waits for it, first come first
}

// waiter is one Take waiting; given is closed when the turn is handed to it.
type waiter struct {
	who   string
	given chan struct{}
}

// Take takes key's turn for who (a word for whoever asks who holds it),
// waiting while another holds it, until ctx ends with ctx's error. When it
// must wait, it first calls waiting, if not nil, with the holder's word:
// the caller can say it waits, and for what. release gives the turn back,
// to the first in line; calling it again does nothing.
func (t *Turns) Take(ctx context.Context, key, who string, waiting func(holder string)) (release func(), err error) {
	t.mu.Lock()
	s, held := t.keys[key]
	if !held {
		t.hold(key, who)
		t.mu.Unlock()
		return t.releaser(key), nil
	}
	w := &waiter{who: who, given: make(chan struct{})}
	s.queue = append(s.queue, w)
	holder := s.holder
	t.mu.Unlock()
	if waiting != nil {
		waiting(holder)
	}
	select {
	case <-w.given:
		return t.releaser(key), nil
	case <-ctx.Done():
	}
	t.mu.Lock()
	select {
	case <-w.given: // handed over as ctx ended: pass it on
		t.mu.Unlock()
		t.releaser(key)()
		return nil, ctx.Err()
	default:
	}
	s.queue = slices.DeleteFunc(s.queue, func(x *waiter) bool { return x == w })
	t.mu.Unlock()
	return nil, ctx.Err()
}

// TryTake takes key's turn for who if no one holds it, without waiting;
// ok is false when another does.
func (t *Turns) TryTake(key, who string) (release func(), ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, held := t.keys[key]; held {
		return nil, false
	}
	t.hold(key, who)
	return t.releaser(key), true
}

// Holder says who holds key's turn; held is false when no one does.
func (t *Turns) Holder(key string) (who string, held bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if s, ok := t.keys[key]; ok {
		return s.holder, true
	}
	return "", false
}

// Waiting is how many wait for key's turn.
func (t *Turns) Waiting(key string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	if s, ok := t.keys[key]; ok {
		return len(s.queue)
	}
	return 0
}

// hold gives the free turn of key to who; t.mu is held.
func (t *Turns) hold(key, who string) {
	if t.keys == nil {
		t.keys = map[string]*slot{}
	}
	t.keys[key] = &slot{holder: who}
}

// releaser is the release of a turn of key just taken: it hands the turn
// to the first in line, or frees the key when no one waits.
func (t *Turns) releaser(key string) func() {
	var once sync.Once
	return func() {
		once.Do(func() {
			t.mu.Lock()
			defer t.mu.Unlock()
			s := t.keys[key]
			if len(s.queue) == 0 {
				delete(t.keys, key)
				return
			}
			next := s.queue[0]
			s.queue = s.queue[1:]
			s.holder = next.who
			close(next.given)
		})
	}
}
