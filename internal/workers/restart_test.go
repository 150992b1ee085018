package workers

import (
	"strings"
	"testing"
	"time"

	"github.com/crispify/crispify/internal/manifest"
)

func TestBackoff(t *testing.T) {
	t0 := time.Now()
	var b backoff
	steps := []struct {
		at   time.Duration
		wait time.Duration
		sick bool
	}{
		{0, time.Second, false},
		{2 * time.Second, 2 * time.Second, false},
		{5 * time.Second, 4 * time.Second, true}, // third within 60s
		{10 * time.Second, 8 * time.Second, true},
		{20 * time.Second, 16 * time.Second, true},
		{40 * time.Second, 30 * time.Second, true}, // capped
		{75 * time.Second, 30 * time.Second, true},
		// Restarts far apart are not a crash loop, even without a steady reset.
		{200 * time.Second, 30 * time.Second, false},
	}
	for i, s := range steps {
		wait, sick := b.next(t0.Add(s.at))
		if wait != s.wait || sick != s.sick {
			t.Errorf("restart %d at %v: wait %v sick %v, want %v %v", i+1, s.at, wait, sick, s.wait, s.sick)
		}
	}
	b.steady()
	if wait, sick := b.next(t0.Add(300 * time.Second)); wait != time.Second || sick {
		t.Errorf("after a steady run: wait %v sick %v, want 1s and not sick", wait, sick)
	}
}

func TestRestartPolicy(t *testing.T) {
	tests := []struct {
		policy manifest.RestartPolicy
		code   int
		want   bool
	}{
		{manifest.RestartOnFailure, 0, false},
		{manifest.RestartOnFailure, 1, true},
		{manifest.RestartOnFailure, 137, true},
		{"", 2, true},
		{manifest.RestartAlways, 0, true},
		{manifest.RestartAlways, 1, true},
		{manifest.RestartNever, 0, false},
		{manifest.RestartNever, 1, false},
	}
	for _, tt := range tests {
		if got := restarts(tt.policy, tt.code); got != tt.want {
			t.Errorf("restarts(%q, %d) = %v, want %v", tt.policy, tt.code, got, tt.want)
		}
	}
}

func TestPermanent(t *testing.T) {
	tests := []struct {
		code int
		ran  time.Duration
		want bool
	}{
		{127, 10 * time.Millisecond, true},
		{126, 10 * time.Millisecond, true},
		{127, 5 * time.Second, false}, // a program of its own exiting 127 after a while
		{1, 10 * time.Millisecond, false},
	}
	for _, tt := range tests {
		if got := permanent(tt.code, tt.ran); got != tt.want {
			t.Errorf("permanent(%d, %v) = %v, want %v", tt.code, tt.ran, got, tt.want)
		}
	}
}

func TestReadLines(t *testing.T) {
	long := strings.Repeat("x", maxLine+10)
	var got []string
	readLines(strings.NewReader("a\r\nb\n\nc\n"+long+"\nlast-without-newline"), func(l string) { got = append(got, l) })
	want := []string{"a", "b", "", "c", long[:maxLine], long[maxLine:], "last-without-newline"}
	if len(got) != len(want) {
		t.Fatalf("got %d lines, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("line %d: got %.20q (%d bytes), want %.20q (%d bytes)", i, got[i], len(got[i]), want[i], len(want[i]))
		}
	}
}

func TestTail(t *testing.T) {
	var tl tail
	for i := range 55 {
		tl.add(strings.Repeat("x", i))
	}
	last := tl.last()
	if len(last) != tailLines || len(last[0]) != 55-tailLines || len(last[tailLines-1]) != 54 {
		t.Errorf("tail: %d lines, first %d bytes", len(last), len(last[0]))
	}
}
