package docker

import (
	"testing"
)

// The figures are docker stats': the container's share of the host's CPU
// time times the host's CPUs, memory less the page cache it may give back.
func TestStatsFigures(t *testing.T) {
	for _, tc := range []struct {
		name string
		raw  rawStats
		want Stats
	}{
		{"a first reading: memory only", rawStats{cpuTotal: 5e9, systemTotal: 100e9, onlineCPUs: 4, usage: 300 << 20, inactiveFile: 100 << 20},
			Stats{Memory: 200 << 20}},
		// 1 s of the container's CPU in 4 s of the host's (1 s wall on 4
		// CPUs): one core.
		{"one core of four", rawStats{cpuTotal: 6e9, preCPUTotal: 5e9, systemTotal: 104e9, preSystemTotal: 100e9, onlineCPUs: 4, usage: 50 << 20},
			Stats{CPU: 100, HasCPU: true, Memory: 50 << 20}},
		{"cpus from percpu_usage (an old engine)", rawStats{cpuTotal: 5.5e9, preCPUTotal: 5e9, systemTotal: 102e9, preSystemTotal: 100e9, perCPU: 2, usage: 1},
			Stats{CPU: 50, HasCPU: true, Memory: 1}},
		{"more cache than usage: usage", rawStats{usage: 10, inactiveFile: 20}, Stats{Memory: 10}},
	} {
		if got := tc.raw.figures(); got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
}
