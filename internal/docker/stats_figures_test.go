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
		got := tc.raw.figures()
		if got.CPU != tc.want.CPU || got.Memory != tc.want.Memory || got.HasCPU != tc.want.HasCPU {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

// Two one-shot readings give the rate a stream's reading carries.
func TestStatsSince(t *testing.T) {
	first := rawStats{cpuTotal: 5e9, systemTotal: 100e9, onlineCPUs: 2, usage: 7}.figures()
	next := rawStats{cpuTotal: 5.3e9, systemTotal: 100.6e9, onlineCPUs: 2, usage: 8}.figures()
	got := next.Since(first)
	// 0.3 s of CPU in 0.6 s of the host's two CPUs (0.3 s of wall): a core.
	if !got.HasCPU || got.CPU < 99.99 || got.CPU > 100.01 || got.Memory != 8 {
		t.Fatalf("Since = %+v, want one core and memory 8", got)
	}
	if again := next.Since(next); again.HasCPU {
		t.Fatalf("a reading since itself has a rate: %+v", again)
	}
}
