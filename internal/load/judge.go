package load

import (
	"fmt"
	"strings"
	"time"
)

// Turn is how many samples in a row turn a verdict: over a threshold three
// times to be sick, under all of them three times to be healthy again, so
// that one spike (a build, a GC) or one quiet tick changes nothing.
const Turn = 3

// Limits are one row's thresholds: CPU in percent of one core, Memory in
// bytes; 0 is none.
type Limits struct {
	CPU    float64
	Memory uint64
	// Slow is how long a readiness probe may take to answer.
	Slow time.Duration
}

// Judge keeps the verdict of one row from its samples. Its zero value is
// a healthy row that has seen nothing.
type Judge struct {
	over, under int       // samples in a row over a threshold, under all
	from        time.Time // when the run of samples over began
	last        time.Time // the previous sample's time
	sick        bool
	reason      string
}

// Add takes one sample f at time at, and reports whether the verdict
// changed. A sample covers the time since the one before it, so a run of
// three samples 2 s apart says "for 6 s".
func (j *Judge) Add(f Figures, lim Limits, at time.Time) (changed bool) {
	prev := j.last
	j.last = at
	why := overBy(f, lim)
	if why == "" {
		j.over = 0
		j.under++
		if j.sick && j.under >= Turn {
			j.sick, j.reason = false, ""
			return true
		}
		return false
	}
	if j.over == 0 {
		j.from = prev
		if prev.IsZero() {
			j.from = at
		}
	}
	j.over++
	j.under = 0
	if !j.sick && j.over >= Turn {
		j.sick = true
		j.reason = fmt.Sprintf("%s for %s", why, round(at.Sub(j.from)))
		return true
	}
	return false
}

// Sick is the verdict, with its reason when sick: "CPU 97% for 6s".
func (j *Judge) Sick() (bool, string) { return j.sick, j.reason }

// overBy says which thresholds f is over, "" when none.
func overBy(f Figures, lim Limits) string {
	var parts []string
	if lim.CPU > 0 && f.HasCPU && f.CPU > lim.CPU {
		parts = append(parts, fmt.Sprintf("CPU %.0f%%", f.CPU))
	}
	if lim.Memory > 0 && f.Memory > lim.Memory {
		parts = append(parts, fmt.Sprintf("memory %s over %s", mib(f.Memory), mib(lim.Memory)))
	}
	if lim.Slow > 0 && f.Probe > lim.Slow {
		parts = append(parts, fmt.Sprintf("probe answers in %s, over %s", f.Probe.Round(10*time.Millisecond), lim.Slow))
	}
	return strings.Join(parts, ", ")
}

func mib(n uint64) string {
	if n >= 1<<30 {
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	}
	return fmt.Sprintf("%d MiB", n>>20)
}

func round(d time.Duration) time.Duration { return d.Round(time.Second) }
