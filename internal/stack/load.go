package stack

import (
	"context"
	"sync"
	"time"

	"github.com/crispify/crispify/internal/docker"
	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/load"
	"github.com/crispify/crispify/internal/workers"
)

// What the board shows of load costs what it samples, so the stack samples
// only while someone looks (a board, status --watch), and not at all
// otherwise: one sampler for the whole stack, every sampleEvery.
const (
	sampleEvery = 2 * time.Second
	// firstRate is how soon after the first read the second comes: CPU is
	// a rate, and a board just opened should not wait a whole tick for it.
	firstRate = 500 * time.Millisecond
)

// loadWatch is the stack's one load sampler, running while someone looks
// (its looker's run is the sampler's).
type loadWatch struct {
	looker

	// groups are the process groups of each running worker; engine the
	// stack's Docker engine, nil while it has none; project names its
	// containers.
	groups  func() load.Groups
	engine  func() docker.Engine
	project func() string
	sink    event.Sink
	every   time.Duration
	// verdicts makes the judge of one run of the sampler; nil judges none.
	verdicts func() *verdicts
	// probes times the ready probe of each up worker that has one
	// answering (sick.slow); nil times none.
	probes func(ctx context.Context) map[string]time.Duration
}

// sampled readies l to run while looked at.
func sampled(l *loadWatch) *loadWatch {
	l.looker.run = l.run
	return l
}

func newLoadWatch(s *Supervisor) *loadWatch {
	return sampled(&loadWatch{
		groups: func() load.Groups { return groupsOf(s.workers.Status()) },
		engine: s.engine, project: func() string { return s.manifest().Project },
		sink: s.stream, every: sampleEvery,
		verdicts: func() *verdicts { return newVerdicts(s) },
		probes: func(ctx context.Context) map[string]time.Duration {
			m := s.manifest()
			return s.workers.ProbeTimes(ctx, func(name string) time.Duration { return probeLimit(m, name) })
		},
	})
}

// groupsOf are the process groups of the workers that have processes: a
// replica's pid is its group's id.
func groupsOf(list []workers.Status) load.Groups {
	g := load.Groups{}
	for _, st := range list {
		if len(st.PIDs) > 0 {
			g[st.Name] = st.PIDs
		}
	}
	return g
}

// run samples until ctx ends: a first read, the first figures firstRate
// later, then every tick. A new look starts from scratch: figures over the
// time nobody looked would say little of now.
func (l *loadWatch) run(ctx context.Context) {
	r := &sampling{l: l, procs: load.New()}
	if l.verdicts != nil {
		r.judged = l.verdicts()
	}
	defer r.end()
	r.first()
	wait := firstRate
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = l.every
		r.tick(ctx)
	}
}

// sampling is one run of the sampler: what it keeps from tick to tick.
type sampling struct {
	l          *loadWatch
	procs      *load.Sampler
	containers *docker.Loads // nil until the stack has an engine
	judged     *verdicts     // nil judges none
}

// first reads the processes once: the figures of the next tick are rates
// from it.
func (r *sampling) first() {
	workers := r.procs.Sample(r.l.groups())
	if r.judged != nil {
		r.judged.judge(time.Now(), workers, nil)
	}
}

// tick takes the figures of every row (the processes, the containers'
// latest readings, the probes' times), sends them and judges them.
func (r *sampling) tick(ctx context.Context) {
	l := r.l
	if r.containers == nil {
		if e := l.engine(); e != nil {
			r.containers = docker.NewLoads(e, l.project())
		}
	}
	var infra map[string]docker.Stats
	if r.containers != nil {
		_ = r.containers.Sync(ctx) // an engine gone: no container figures this time
		infra = r.containers.Latest()
	}
	var probed map[string]time.Duration
	var timing sync.WaitGroup
	if l.probes != nil {
		timing.Go(func() { probed = l.probes(ctx) })
	}
	workers := r.procs.Sample(l.groups())
	timing.Wait()
	for name, d := range probed {
		if f, ok := workers[name]; ok {
			f.Probe = d
			workers[name] = f
		}
	}
	l.emit(workers, infra)
	if r.judged != nil {
		r.judged.judge(time.Now(), workers, infra)
	}
}

// end closes the containers' streams and lets every verdict go.
func (r *sampling) end() {
	if r.containers != nil {
		r.containers.Close()
	}
	if r.judged != nil {
		r.judged.end()
	}
}

// emit sends the figures of each row, then the machine's.
func (l *loadWatch) emit(worker map[string]load.Figures, infra map[string]docker.Stats) {
	var cpu float64
	var mem uint64
	for name, f := range worker {
		l.sink.Emit(event.LoadOf(event.Worker, name, f.CPU, f.Memory))
		cpu, mem = cpu+f.CPU, mem+f.Memory
	}
	for name, s := range infra {
		l.sink.Emit(event.LoadOf(event.Infra, name, s.CPU, s.Memory))
		cpu, mem = cpu+s.CPU, mem+s.Memory
	}
	e := event.LoadOf(event.Machine, "", cpu, mem)
	if free, ok := load.Available(); ok {
		e.Free = &free
	}
	l.sink.Emit(e)
}

// engine is the stack's Docker engine, nil until an apply connected it.
func (s *Supervisor) engine() docker.Engine {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.keeper == nil {
		return nil
	}
	return s.keeper.Project(s.latest, false).Engine
}
