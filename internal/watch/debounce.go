package watch

import (
	"os"
	"path/filepath"
	"time"
)

// maxRemembered bounds the distinct paths one burst remembers, to count
// them without counting a file saved twice twice.
const maxRemembered = 1000

// maxCandidates bounds the first paths of a burst kept in order, among
// which the trigger is chosen.
const maxCandidates = 16

// pending is a burst of changes being debounced.
type pending struct {
	first, last time.Time
	candidates  []string // the first paths, in order
	files       map[string]bool
	count       int
	setup       map[string]bool
	lost        bool // the OS dropped events
	timer       *time.Timer
}

// cancel forgets the burst being debounced.
func (s *service) cancel() {
	if s.pend != nil {
		s.pend.timer.Stop()
		s.pend = nil
	}
}

// record adds a changed file to svc's burst, starting one if none is
// pending. The timer is set once per burst and re-armed when it fires
// early, rather than reset on every event: a checkout of 200 files costs
// one timer. Called with w.mu held.
func (w *Watcher) record(svc *service, rel string) {
	now := time.Now()
	p := svc.pend
	if p == nil {
		p = &pending{first: now, files: map[string]bool{}, setup: map[string]bool{}}
		svc.pend = p
		p.timer = time.AfterFunc(svc.cfg.Debounce, func() { w.fire(svc, p) })
	}
	p.last = now
	if rel == "" {
		return
	}
	if !p.files[rel] {
		if len(p.files) < maxRemembered {
			p.files[rel] = true
		}
		if len(p.candidates) < maxCandidates {
			p.candidates = append(p.candidates, rel)
		}
		p.count++
	}
	if svc.tree.isPinned(rel) {
		p.setup[rel] = true
	}
}

// recordLost marks svc's burst as having lost events.
func (w *Watcher) recordLost(svc *service) {
	w.record(svc, "")
	svc.pend.lost = true
}

// fire ends a burst once it has been quiet for the debounce time, or has
// lasted maxWaitFactor debounces; otherwise it waits on.
func (w *Watcher) fire(svc *service, p *pending) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed || svc.pend != p {
		return // cancelled, by Disable or Close
	}
	now := time.Now()
	quiet := p.last.Add(svc.cfg.Debounce)
	deadline := p.first.Add(maxWaitFactor * svc.cfg.Debounce)
	if now.Before(quiet) && now.Before(deadline) {
		p.timer.Reset(min(quiet.Sub(now), deadline.Sub(now)))
		return
	}
	svc.pend = nil
	c := &Change{Service: svc.cfg.Name, Trigger: trigger(svc.cfg.Dir, p.candidates), Files: p.count, Polling: svc.polling}
	for _, f := range svc.cfg.SetupWhen {
		if p.setup[f] || p.lost {
			c.SetupChanged = append(c.SetupChanged, f)
		}
	}
	if p.lost {
		c.Trigger = ""
	}
	w.enqueue(svc, c)
}

// trigger picks the file to name for a burst: the first that changed and
// still exists, so that a save through a temporary file (sed -i writes
// sedXXXXXX, then renames it over main.go) names main.go; else the first
// (a deleted file is a change too).
func trigger(dir string, candidates []string) string {
	for _, rel := range candidates {
		if _, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(rel))); err == nil {
			return rel
		}
	}
	if len(candidates) > 0 {
		return candidates[0]
	}
	return ""
}

// enqueue hands a change to the deliverer, merging it into one of the same
// service that is not delivered yet. Called with w.mu held.
func (w *Watcher) enqueue(svc *service, c *Change) {
	for _, q := range w.ready {
		if q.Service != c.Service {
			continue
		}
		if c.Trigger == "" {
			q.Trigger = ""
		}
		q.Files += c.Files
		q.Polling = c.Polling
		had := map[string]bool{}
		for _, f := range q.SetupChanged {
			had[f] = true
		}
		for _, f := range c.SetupChanged {
			had[f] = true
		}
		q.SetupChanged = nil
		for _, f := range svc.cfg.SetupWhen {
			if had[f] {
				q.SetupChanged = append(q.SetupChanged, f)
			}
		}
		return
	}
	w.ready = append(w.ready, c)
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// deliver sends the ready changes, oldest first, until Close; then closes
// Changes.
func (w *Watcher) deliver() {
	defer w.wg.Done()
	defer close(w.out)
	for {
		c, ok := w.next()
		if !ok {
			select {
			case <-w.kick:
				continue
			case <-w.done:
				return
			}
		}
		select {
		case w.out <- *c:
		case <-w.done:
			return
		}
	}
}

func (w *Watcher) next() (*Change, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.ready) == 0 {
		return nil, false
	}
	c := w.ready[0]
	w.ready = w.ready[1:]
	return c, true
}
