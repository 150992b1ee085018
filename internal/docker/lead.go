package docker

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/crispify/crispify/internal/event"
)

// The lead is the container expected to take longest to become healthy (a
// message broker's boot, say): it is started first, with the engine to
// itself, and the others are created and started once it runs. Started all
// at once, six containers each take several times longer to start, and the
// slowest one's boot, the critical path, begins seconds later.

// leadWait bounds how long another container waits for the lead to start.
const leadWait = 5 * time.Second

// lead is the gate of one run.
type lead struct {
	name    string
	started chan struct{}
	once    sync.Once
	// done is closed once the lead's Up has returned (healthy or not):
	// nothing is held back for it after that.
	done     chan struct{}
	doneOnce sync.Once
	// past is how long each container took to become healthy last time
	// on this machine; the lead's own time is the length of the boot.
	past map[string]time.Duration
	// booted is when the lead was started in this run (unix nanoseconds),
	// zero when it was not: already running, or failed before.
	booted atomic.Int64
}

func (l *lead) release() { l.once.Do(func() { close(l.started) }) }

func (l *lead) finish() { l.doneOnce.Do(func() { close(l.done) }) }

// ChooseLead picks, among the named infra that need no other, the one
// expected to be slowest: by the time it took last on this machine
// (remembered in the workspace's state), else by its health check's budget.
// Up of the others then waits for its start. A name that is not started in
// the run (already running) releases the others at once.
func (p *Project) ChooseLead(names []string) {
	past := p.loadHealthTimes()
	var best string
	var bestScore time.Duration = -1
	for _, name := range names {
		in := p.Manifest.Infra[name]
		if in == nil || len(in.Needs) > 0 {
			continue
		}
		score, ok := past[name]
		if !ok {
			score = p.healthBudget(name) / 100 // far below any measured time
		}
		if score > bestScore {
			best, bestScore = name, score
		}
	}
	if best != "" {
		p.lead = &lead{name: best, started: make(chan struct{}), done: make(chan struct{}), past: past}
	}
}

// awaitLead holds a container's create and start until the lead has
// started, unless it is the lead, or the wait has lasted long enough; then,
// while the lead boots, until its own delay after the lead's start.
func (p *Project) awaitLead(ctx context.Context, name string) {
	l := p.lead
	if l == nil || l.name == name {
		return
	}
	t := time.NewTimer(leadWait)
	defer t.Stop()
	select {
	case <-l.started:
	case <-t.C:
	case <-ctx.Done():
		return
	}
	booted := l.booted.Load()
	if booted == 0 {
		return // the lead is not booting: nothing to make room for
	}
	if d := time.Until(time.Unix(0, booted).Add(l.delay(name))); d > 0 {
		p.emit(event.Event{Kind: event.Infra, Name: name, Phase: event.Waiting,
			Msg: fmt.Sprintf("held back %s, so as not to slow the boot of %s", d.Round(time.Second), l.name)})
		t.Reset(d)
		// A lead that is healthy sooner than its last boot (a machine less
		// busy than last time) lets the rest go at once.
		select {
		case <-t.C:
		case <-l.done:
		case <-ctx.Done():
		}
	}
}

// delay is how long after the lead's start a container is best started:
// late enough to leave the lead the machine during most of its boot, early
// enough to be healthy well before it (a quarter of the lead's time to
// spare). Zero when either was never timed here.
func (l *lead) delay(name string) time.Duration {
	leadTime, own := l.past[l.name], l.past[name]
	if leadTime == 0 || own == 0 {
		return 0
	}
	return max(0, leadTime-leadTime/4-own)
}

// leadBooting notes the moment the lead is started, which the others'
// start is timed from, or that its start failed: nothing to time from.
func (p *Project) leadBooting(name string, booting bool) {
	if p.lead != nil && p.lead.name == name {
		var at int64
		if booting {
			at = time.Now().UnixNano()
		}
		p.lead.booted.Store(at)
	}
}

// leadStarted lets the others go once the lead's start returned, or it
// was found needing no start, or it failed.
func (p *Project) leadStarted(name string) {
	if p.lead != nil && p.lead.name == name {
		p.lead.release()
	}
}

// leadDone ends every hold for the lead: its Up has returned.
func (p *Project) leadDone(name string) {
	if p.lead != nil && p.lead.name == name {
		p.lead.release()
		p.lead.finish()
	}
}

// healthTimesPath keeps how long each container took to become healthy.
func (p *Project) healthTimesPath() string {
	return filepath.Join(p.Manifest.StateDir(), "infra-health-times.json")
}

func (p *Project) loadHealthTimes() map[string]time.Duration {
	out := map[string]time.Duration{}
	data, err := os.ReadFile(p.healthTimesPath())
	if err != nil {
		return out
	}
	var ms map[string]int64
	if json.Unmarshal(data, &ms) != nil {
		return out
	}
	for k, v := range ms {
		out[k] = time.Duration(v) * time.Millisecond
	}
	return out
}

// recordHealthTime remembers how long a container took from its start to
// healthy, for the next run's choice of lead. Best effort: a workspace that
// cannot be written only loses the hint.
func (p *Project) recordHealthTime(name string, d time.Duration) {
	p.life.timesMu.Lock()
	defer p.life.timesMu.Unlock()
	past := p.loadHealthTimes()
	past[name] = d
	ms := map[string]int64{}
	for k, v := range past {
		ms[k] = v.Milliseconds()
	}
	data, _ := json.Marshal(ms)
	if os.MkdirAll(filepath.Dir(p.healthTimesPath()), 0o755) == nil {
		_ = os.WriteFile(p.healthTimesPath(), data, 0o644)
	}
}
