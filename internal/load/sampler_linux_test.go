package load

import (
	"syscall"
	"testing"
	"time"
)

// The fixture: two reads of a /proc, 2 s apart. Group 100 (api) is three
// processes (one named with parentheses) and a zombie; group 200 (web) its
// leader, a child started between the reads and pid 202 reused by another
// process; group 300 is no worker's. Pages are 4096 bytes.
func TestSampleFixture(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 18, 0, 0, 0, time.UTC)
	at := t0
	s := newSampler("testdata/tick0", 4096, func() time.Time { return at })
	groups := Groups{"api": {100}, "web": {200}, "idle": {999}}

	first := s.Sample(groups)
	want0 := map[string]Figures{
		"api": {Memory: (1000 + 500 + 250) * 4096},
		"web": {Memory: (100 + 80) * 4096},
	}
	check(t, "first", first, want0)

	s.root, at = "testdata/tick1", t0.Add(2*time.Second)
	second := s.Sample(groups)
	want1 := map[string]Figures{
		// 100+60+40 ticks in 2 s at 100 a second: one core; the zombie's
		// ticks are not counted.
		"api": {CPU: 100, HasCPU: true, Memory: (1200 + 500 + 300) * 4096},
		// 20 ticks of the leader, 30 of the child started since (all new),
		// 10 of the process that reused 202 (not 10-500).
		"web": {CPU: 30, HasCPU: true, Memory: (100 + 50 + 20) * 4096},
	}
	check(t, "second", second, want1)
}

func check(t *testing.T, which string, got, want map[string]Figures) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s sample: %v, want %v", which, got, want)
	}
	for name, w := range want {
		g := got[name]
		// CPU is a quotient of exact ticks; round away float noise only.
		if g.Memory != w.Memory || g.HasCPU != w.HasCPU || int(g.CPU*1000+0.5) != int(w.CPU*1000+0.5) {
			t.Errorf("%s sample of %s: %+v, want %+v", which, name, g, w)
		}
	}
}

func TestParseStat(t *testing.T) {
	for _, tc := range []struct {
		line string
		want stat
		bad  bool
	}{
		{line: "7 (a) b) S 1 7 7 0 -1 0 0 0 0 0 3 4 0 0 20 0 1 0 55 100 9 0\n", want: stat{pid: 7, pgrp: 7, ticks: 7, start: 55, pages: 9}},
		{line: "8 (z) Z 1 7 7 0 -1 0 0 0 0 0 3 4 0 0 20 0 1 0 55 100 0 0", want: stat{pid: 8, zombie: true, pgrp: 7, ticks: 7, start: 55}},
		{line: "9 (short) S 1 7 7", bad: true},
		{line: "garbage", bad: true},
	} {
		got, err := parseStat([]byte(tc.line))
		if tc.bad != (err != nil) || (!tc.bad && got != tc.want) {
			t.Errorf("parseStat(%q) = %+v, %v; want %+v (bad %v)", tc.line, got, err, tc.want, tc.bad)
		}
	}
}

// A sample of this machine finds the test's own group, with memory.
func TestSampleSelf(t *testing.T) {
	s := New()
	pgid := syscall.Getpgrp()
	got := s.Sample(Groups{"self": {pgid}})
	if got["self"].Memory == 0 {
		t.Fatalf("no memory for the test's own group %d: %v", pgid, got)
	}
}
