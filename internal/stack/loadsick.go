package stack

import (
	"time"

	"github.com/crispify/crispify/internal/docker"
	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/load"
	"github.com/crispify/crispify/internal/manifest"
)

// verdicts judges each row's samples against its sick: thresholds and says
// what turns: a worker through the workers' own state (so that status and
// its exit code know), a container by its row's event, since its state is
// the keeper's to say; each tick says it again while the keeper's next
// event (a health check's) could have hidden it. It lives as long as one
// run of the sampler: nothing is sick by load that nobody measures.
type verdicts struct {
	limits func(kind event.Kind, name string) load.Limits
	worker func(name, reason string) // workers.Supervisor.SickByLoad
	last   func(kind event.Kind, name string) (event.Event, bool)
	sink   event.Sink

	judges map[item]*load.Judge
	shaded map[item]shading // containers shown sick by load
}

func newVerdicts(s *Supervisor) *verdicts {
	return &verdicts{
		limits: func(kind event.Kind, name string) load.Limits { return limitsOf(s.manifest(), kind, name) },
		worker: s.workers.SickByLoad, last: s.stream.hub.Last, sink: s.stream,
	}
}

// limitsOf are the thresholds the manifest gives a row; none for a row it
// no longer has.
func limitsOf(m *manifest.Manifest, kind event.Kind, name string) load.Limits {
	var sick *manifest.Sick
	switch kind {
	case event.Worker:
		if s := m.Services[name]; s != nil {
			sick = s.Sick
		}
	case event.Infra:
		if in := m.Infra[name]; in != nil {
			sick = in.Sick
		}
	}
	if sick == nil {
		return load.Limits{}
	}
	return load.Limits{CPU: float64(sick.CPU), Memory: uint64(sick.Memory), Slow: sick.Slow.D()}
}

// probeLimit is how long a worker's probe is waited for: past its slow
// threshold it is slow whatever it takes, so a second more says by how
// much without holding the tick long for a hung server.
func probeLimit(m *manifest.Manifest, name string) time.Duration {
	slow := manifest.DefaultSickSlow.D()
	if s := m.Services[name]; s != nil && s.Sick != nil && s.Sick.Slow > 0 {
		slow = s.Sick.Slow.D()
	}
	return slow + time.Second
}

// judge takes one tick's figures. A row without figures this tick (its
// worker stopped, its container went) starts again from healthy.
func (v *verdicts) judge(at time.Time, workers map[string]load.Figures, infra map[string]docker.Stats) {
	if v.judges == nil {
		v.judges, v.shaded = map[item]*load.Judge{}, map[item]shading{}
	}
	seen := map[item]bool{}
	for name, f := range workers {
		seen[v.add(item{event.Worker, name}, f, at)] = true
	}
	for name, s := range infra {
		seen[v.add(item{event.Infra, name}, load.Figures{CPU: s.CPU, Memory: s.Memory, HasCPU: s.HasCPU}, at)] = true
	}
	for it := range v.judges {
		if !seen[it] {
			v.let(it)
		}
	}
	for it := range v.shaded {
		v.shade(it) // again: a health check's event may have shown it healthy
	}
}

func (v *verdicts) add(it item, f load.Figures, at time.Time) item {
	j := v.judges[it]
	if j == nil {
		j = &load.Judge{}
		v.judges[it] = j
	}
	if j.Add(f, v.limits(it.kind, it.name), at) {
		v.tell(it, j)
	}
	return it
}

// tell says a turned verdict.
func (v *verdicts) tell(it item, j *load.Judge) {
	sick, reason := j.Sick()
	if it.kind == event.Worker {
		v.worker(it.name, reason)
		return
	}
	if !sick {
		v.unshade(it)
		return
	}
	if last, ok := v.last(it.kind, it.name); ok && last.Phase == event.Healthy {
		v.shaded[it] = shading{before: last}
		v.shade(it)
	}
}

// shading is a container shown sick by load: its event from before, and
// the message it was shown with.
type shading struct {
	before event.Event
	msg    string
}

// shade shows a container sick by load while the keeper says healthy.
func (v *verdicts) shade(it item) {
	j, sh := v.judges[it], v.shaded[it]
	last, ok := v.last(it.kind, it.name)
	if j == nil || !ok {
		return
	}
	_, reason := j.Sick()
	msg := "sick: " + reason
	switch {
	case last.Phase == event.Healthy:
		sh.before = last
	case last.Phase == event.Sick && last.Msg == sh.msg:
		return // shown already
	default:
		delete(v.shaded, it) // dead, removed, restarting: says more than its load
		return
	}
	sh.msg = msg
	v.shaded[it] = sh
	last.TS, last.Phase, last.Msg, last.Error = time.Now(), event.Sick, msg, ""
	v.sink.Emit(last)
}

// unshade gives a container its healthy row back, unless something else
// changed it since.
func (v *verdicts) unshade(it item) {
	sh, ok := v.shaded[it]
	delete(v.shaded, it)
	if !ok {
		return
	}
	if last, ok := v.last(it.kind, it.name); ok && last.Phase == event.Sick && last.Msg == sh.msg {
		back := sh.before
		back.TS = time.Now()
		v.sink.Emit(back)
	}
}

// let forgets a row's verdict, telling it healthy if it was sick.
func (v *verdicts) let(it item) {
	j := v.judges[it]
	delete(v.judges, it)
	if j == nil {
		return
	}
	if sick, _ := j.Sick(); !sick {
		return
	}
	if it.kind == event.Worker {
		v.worker(it.name, "")
		return
	}
	v.unshade(it)
}

// end forgets every verdict: the sampler stops.
func (v *verdicts) end() {
	for it := range v.judges {
		v.let(it)
	}
}
