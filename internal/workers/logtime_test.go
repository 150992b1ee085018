package workers

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// Each line of a worker's log carries the time it was read, so that `crispify
// logs` can interleave logs by time; a line without one (a log an older
// crispify wrote) takes the time of the line before it.
func TestLogLinesCarryTheirTime(t *testing.T) {
	stateDir := t.TempDir()
	at := time.Date(2026, 11, 22, 10, 0, 0, 123456000, time.UTC)
	if err := os.MkdirAll(filepath.Dir(LogPath(stateDir, "api")), 0o700); err != nil {
		t.Fatal(err)
	}
	// A line an older crispify wrote, with no time, then two of ours.
	if err := os.WriteFile(LogPath(stateDir, "api"), []byte("from before\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := openLog(stateDir, "api", 10<<20)
	if err != nil {
		t.Fatal(err)
	}
	l.writeStamped(LogStamp(at), "one")
	l.writeLine("no time")
	l.writeStamped(LogStamp(at.Add(time.Second)), "two 2026-01-01T00:00:00.000000Z looks like a time")
	l.close()

	r, err := OpenLogReader(stateDir, "api")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got, err := r.Last(3)
	if err != nil {
		t.Fatal(err)
	}
	want := []LogLine{
		{Time: at, Text: "one"},
		{Time: at, Text: "no time"},
		{Time: at.Add(time.Second), Text: "two 2026-01-01T00:00:00.000000Z looks like a time"},
	}
	if !slices.EqualFunc(got, want, func(a, b LogLine) bool { return a.Time.Equal(b.Time) && a.Text == b.Text }) {
		t.Fatalf("last 3 lines:\n%v\nwant\n%v", got, want)
	}

	// Follow goes on after them, times and all.
	l, _ = openLog(stateDir, "api", 10<<20)
	l.writeStamped(LogStamp(at.Add(2*time.Second)), "three")
	l.close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var next LogLine
	r.Follow(ctx, func(l LogLine) { next = l; cancel() })
	if !next.Time.Equal(at.Add(2*time.Second)) || next.Text != "three" {
		t.Errorf("followed %+v", next)
	}
}

func TestParseLogLine(t *testing.T) {
	for _, tc := range []struct {
		in   string
		text string
		zero bool
	}{
		{"2026-11-22T10:00:00.123456Z hello", "hello", false},
		{"2026-11-22T10:00:00.123456Z ", "", false},
		{"hello", "hello", true},
		{"2026-11-22T10:00:00.123456Zhello", "2026-11-22T10:00:00.123456Zhello", true},
		{"2026-13-22T10:00:00.123456Z bad month", "2026-13-22T10:00:00.123456Z bad month", true},
		{"", "", true},
	} {
		got := ParseLogLine(tc.in)
		if got.Text != tc.text || got.Time.IsZero() != tc.zero {
			t.Errorf("ParseLogLine(%q) = %+v, want text %q, zero time %v", tc.in, got, tc.text, tc.zero)
		}
	}
}
