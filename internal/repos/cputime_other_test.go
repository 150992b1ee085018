//go:build !unix

package repos

import "time"

// cpuTime is not measured where getrusage is missing: benchmarks report 0.
func cpuTime() time.Duration { return 0 }
