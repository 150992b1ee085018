package load

import "time"

// Figures are what one item costs: CPU in percent of one core (200 is two
// cores busy) and resident memory in bytes.
type Figures struct {
	CPU    float64
	Memory uint64
	// HasCPU is false on the first sample of a process: CPU is a rate, and
	// a rate needs two reads.
	HasCPU bool
	// Probe is how long its readiness probe took to answer this time; 0
	// when it has none that answers (a log line) or none was timed.
	Probe time.Duration
}

// Add sums f and g, as a worker's replicas sum.
func (f Figures) Add(g Figures) Figures {
	return Figures{CPU: f.CPU + g.CPU, Memory: f.Memory + g.Memory, HasCPU: f.HasCPU || g.HasCPU}
}

// Groups names the process groups of each item: a worker's replicas, each
// the leader of a group of its own.
type Groups map[string][]int

// clock is time.Now, swapped by tests for a fixture's own instants.
type clock func() time.Time
