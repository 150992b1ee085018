package stack

import (
	"context"
	"sync"
)

// looker runs a loop while someone looks (a board, status --watch): the
// first look starts it, the last one gone stops it.
type looker struct {
	run func(ctx context.Context)

	mu      sync.Mutex
	lookers int
	stop    context.CancelFunc
	done    chan struct{}
}

// look says someone looks until the returned func is called.
func (l *looker) look() (done func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lookers++
	if l.lookers == 1 {
		ctx, cancel := context.WithCancel(context.Background())
		finished := make(chan struct{})
		l.stop, l.done = cancel, finished
		go func() {
			defer close(finished)
			l.run(ctx)
		}()
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			defer l.mu.Unlock()
			if l.lookers == 0 {
				return // close stopped the loop meanwhile
			}
			l.lookers--
			if l.lookers == 0 {
				l.stop()
			}
		})
	}
}

// close stops the loop, whoever looks, and waits for it.
func (l *looker) close() {
	l.mu.Lock()
	stop, done := l.stop, l.done
	l.lookers = 0
	l.mu.Unlock()
	if stop != nil {
		stop()
		<-done
	}
}
