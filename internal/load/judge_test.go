package load

import (
	"testing"
	"time"
)

// The hysteresis: three samples in a row over a threshold make a row sick,
// three in a row under every threshold healthy again; anything less
// changes nothing.
func TestJudge(t *testing.T) {
	lim := Limits{CPU: 90, Memory: 512 << 20, Slow: time.Second}
	busy := Figures{CPU: 97, HasCPU: true, Memory: 100 << 20}
	idle := Figures{CPU: 3, HasCPU: true, Memory: 100 << 20}
	fat := Figures{CPU: 3, HasCPU: true, Memory: 600 << 20}
	both := Figures{CPU: 150, HasCPU: true, Memory: 600 << 20}
	noRate := Figures{Memory: 100 << 20} // a first sample: no CPU yet
	slow := Figures{CPU: 3, HasCPU: true, Memory: 100 << 20, Probe: 1500 * time.Millisecond}
	tests := []struct {
		name    string
		samples []Figures
		sick    []bool // the verdict after each sample
		reason  string // the last verdict's
	}{
		{"three over", []Figures{busy, busy, busy}, []bool{false, false, true}, "CPU 97% for 6s"},
		{"two over, then under", []Figures{busy, busy, idle, busy, busy}, []bool{false, false, false, false, false}, ""},
		{"sick stays through two good", []Figures{busy, busy, busy, idle, idle, busy}, []bool{false, false, true, true, true, true}, "CPU 97% for 6s"},
		{"healthy after three good", []Figures{busy, busy, busy, idle, idle, idle}, []bool{false, false, true, true, true, false}, ""},
		{"memory", []Figures{fat, fat, fat}, []bool{false, false, true}, "memory 600 MiB over 512 MiB for 6s"},
		{"a slow probe", []Figures{slow, slow, slow}, []bool{false, false, true}, "probe answers in 1.5s, over 1s for 6s"},
		{"both, said both", []Figures{both, both, both}, []bool{false, false, true}, "CPU 150%, memory 600 MiB over 512 MiB for 6s"},
		{"over by turns counts as over", []Figures{busy, fat, busy}, []bool{false, false, true}, "CPU 97% for 6s"},
		{"a sample without a rate is not over on CPU", []Figures{noRate, busy, busy}, []bool{false, false, false}, ""},
		{"a long run says its length", []Figures{busy, busy, idle, busy, busy, busy}, []bool{false, false, false, false, false, true}, "CPU 97% for 6s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var j Judge
			at := time.Date(2026, 12, 7, 18, 0, 0, 0, time.UTC)
			j.Add(noRate, lim, at) // the sampler's first read, which has no rate yet
			was := false
			for i, f := range tt.samples {
				at = at.Add(2 * time.Second)
				changed := j.Add(f, lim, at)
				sick, _ := j.Sick()
				if sick != tt.sick[i] {
					t.Fatalf("after sample %d: sick %v, want %v", i+1, sick, tt.sick[i])
				}
				if changed != (sick != was) {
					t.Fatalf("after sample %d: changed %v, but sick went %v -> %v", i+1, changed, was, sick)
				}
				was = sick
			}
			if _, reason := j.Sick(); reason != tt.reason {
				t.Errorf("reason %q, want %q", reason, tt.reason)
			}
		})
	}
	// No thresholds: never sick.
	var j Judge
	for range 5 {
		j.Add(both, Limits{}, time.Now())
	}
	if sick, _ := j.Sick(); sick {
		t.Error("sick without thresholds")
	}
}
