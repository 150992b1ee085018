package stack

import "sync"

// records are what a supervisor's workers were last started with, by
// service: what the next apply compares against.
type records struct {
	mu  sync.Mutex
	all map[string]applied
}

func newRecords() *records { return &records{all: map[string]applied{}} }

func (r *records) get(name string) (applied, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	a, ok := r.all[name]
	return a, ok
}

func (r *records) set(name string, a applied) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.all[name] = a
}
