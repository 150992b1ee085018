package docker

import (
	"context"
	"sync"
	"time"
)

// Stats is one reading of a container's cost, as `docker stats` computes
// it: CPU in percent of one core, memory without the page cache.
type Stats struct {
	CPU    float64
	Memory uint64
	// HasCPU is false on a stream's first reading: the engine has no
	// earlier one to take the difference from.
	HasCPU bool
	Read   time.Time
	// CPUTime and SystemTime are the reading's counters, nanoseconds of
	// CPU the container and the host used, and CPUs the host's: what a
	// later one-shot reading takes its rate from (Since).
	CPUTime, SystemTime uint64
	CPUs                uint32
}

// Since is s with its CPU over the time since prev, an earlier reading of
// the same container, as the engine's stream computes it from its own.
func (s Stats) Since(prev Stats) Stats {
	r := rawStats{cpuTotal: s.CPUTime, preCPUTotal: prev.CPUTime, systemTotal: s.SystemTime, preSystemTotal: prev.SystemTime,
		onlineCPUs: s.CPUs, usage: s.Memory, read: s.Read}
	return r.figures()
}

// rawStats are the fields of the engine's stats that the figures come
// from, apart from the SDK's types so that the arithmetic is tested alone.
type rawStats struct {
	cpuTotal, preCPUTotal       uint64 // nanoseconds of CPU the container used
	systemTotal, preSystemTotal uint64 // nanoseconds of CPU the host used
	onlineCPUs                  uint32
	perCPU                      int // len(percpu_usage): cgroup v1 engines of old
	usage                       uint64
	// inactiveFile is the page cache the kernel may take back: cgroup v2's
	// inactive_file, or v1's total_inactive_file.
	inactiveFile uint64
	read         time.Time
}

// figures computes what `docker stats` shows (docker/cli's
// calculateCPUPercentUnix and calculateMemUsageUnixNoCache): CPU is the
// container's share of the host's CPU time since the previous reading,
// times the host's CPUs, so that a busy core is 100.
func (r rawStats) figures() Stats {
	s := Stats{Read: r.read, Memory: r.usage, CPUTime: r.cpuTotal, SystemTime: r.systemTotal, CPUs: cpusOf(r)}
	if r.inactiveFile < r.usage {
		s.Memory = r.usage - r.inactiveFile
	}
	cpus := float64(s.CPUs)
	if r.preSystemTotal == 0 || r.systemTotal <= r.preSystemTotal || r.cpuTotal < r.preCPUTotal {
		return s // a first reading: no previous one to differ from
	}
	s.HasCPU = true
	s.CPU = float64(r.cpuTotal-r.preCPUTotal) / float64(r.systemTotal-r.preSystemTotal) * cpus * 100
	return s
}

func cpusOf(r rawStats) uint32 {
	if r.onlineCPUs == 0 {
		return uint32(r.perCPU)
	}
	return r.onlineCPUs
}

// Loads follows one stats stream per running container of a project and
// keeps the latest reading of each, by infra name. The streams stay open
// between two Syncs: a stream costs the engine one reading a second, a new
// request per sample would cost it a second's wait each.
type Loads struct {
	engine  Engine
	project string

	mu      sync.Mutex
	latest  map[string]Stats              // by infra
	streams map[string]context.CancelFunc // by container ID
	infra   map[string]string             // container ID -> infra
}

// NewLoads follows the containers of project on engine; Sync starts it.
func NewLoads(engine Engine, project string) *Loads {
	return &Loads{engine: engine, project: project, latest: map[string]Stats{}, streams: map[string]context.CancelFunc{}, infra: map[string]string{}}
}

// Sync opens a stream for each running container of the project not
// followed yet, and closes those of containers no longer running. The
// streams live until Close, or until ctx ends.
func (l *Loads) Sync(ctx context.Context) error {
	list, err := l.engine.ContainerList(ctx, map[string]string{LabelProject: l.project})
	if err != nil {
		return err
	}
	running := map[string]string{}
	for _, c := range list {
		if c.State == "running" && c.Labels[LabelInfra] != "" {
			running[c.ID] = c.Labels[LabelInfra]
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for id, cancel := range l.streams {
		if _, ok := running[id]; !ok {
			cancel()
			delete(l.latest, l.infra[id])
			delete(l.streams, id)
			delete(l.infra, id)
		}
	}
	for id, name := range running {
		if _, ok := l.streams[id]; ok {
			continue
		}
		sctx, cancel := context.WithCancel(ctx)
		l.streams[id], l.infra[id] = cancel, name
		go l.follow(sctx, id, name)
	}
	return nil
}

// follow keeps the readings of one container until its stream ends; the
// next Sync opens another if the container still runs.
func (l *Loads) follow(ctx context.Context, id, name string) {
	_ = l.engine.ContainerStats(ctx, id, func(s Stats) {
		l.mu.Lock()
		if l.infra[id] == name {
			l.latest[name] = s
		}
		l.mu.Unlock()
	})
	l.mu.Lock()
	if cancel, ok := l.streams[id]; ok && ctx.Err() == nil {
		cancel()
		delete(l.latest, name)
		delete(l.streams, id)
		delete(l.infra, id)
	}
	l.mu.Unlock()
}

// Latest is the latest reading of each followed container, by infra.
func (l *Loads) Latest() map[string]Stats {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[string]Stats, len(l.latest))
	for k, v := range l.latest {
		out[k] = v
	}
	return out
}

// Close ends every stream.
func (l *Loads) Close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for id, cancel := range l.streams {
		cancel()
		delete(l.streams, id)
		delete(l.infra, id)
	}
	clear(l.latest)
}
