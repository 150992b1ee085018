package repos

import (
	"math"
	"reflect"
	"testing"

	"github.com/crispify/crispify/internal/event"
)

func TestParseProgress(t *testing.T) {
	for _, c := range []struct {
		line string
		want float64
		ok   bool
	}{
		{"remote: Enumerating objects: 1234, done.", 0.02, true},
		{"remote: Enumerating objects: 1234", 0, true},
		{"remote: Counting objects:  42% (420/1000)", 0.02 + 0.42*0.03, true},
		{"remote: Counting objects: 100% (1000/1000), done.", 0.05, true},
		{"remote: Compressing objects:  50% (5/10)", 0.10, true},
		{"Receiving objects:   0% (1/1000)", 0.15, true},
		{"Receiving objects:  42% (420/1000), 1.20 MiB | 2.30 MiB/s", 0.15 + 0.42*0.65, true},
		{"Receiving objects: 100% (1000/1000), 3.10 MiB | 2.30 MiB/s, done.", 0.80, true},
		{"Resolving deltas: 100% (50/50), done.", 0.92, true},
		{"Updating files:  50% (1/2)", 0.96, true},
		{"Checking out files: 100% (2/2), done.", 1, true},
		{"Cloning into '/tmp/x'...", 0, false},
		{"remote: Total 3 (delta 0), reused 0 (delta 0), pack-reused 0", 0, false},
		{"warning: redirecting to https://host/x.git/", 0, false},
		{"fatal: Remote branch main not found in upstream origin", 0, false},
		{"Receiving objects: lots% (1/2)", 0, false},
		{"42%", 0, false},
		{"", 0, false},
	} {
		got, ok := parseProgress(c.line)
		if ok != c.ok || math.Abs(got-c.want) > 1e-9 {
			t.Errorf("parseProgress(%q) = %v, %v; want %v, %v", c.line, got, ok, c.want, c.ok)
		}
	}
}

func TestLines(t *testing.T) {
	var got []string
	w := &lines{fn: func(s string) { got = append(got, s) }}
	for _, chunk := range []string{
		"Cloning into 'x'...\n",
		"Receiving objects:   1% (1/100)\rReceiving obj",
		"ects:   2% (2/100)\r",
		"Receiving objects: 100% (100/100), done.\r\n",
		"\n\r",
		"fatal: cut",
	} {
		if n, err := w.Write([]byte(chunk)); n != len(chunk) || err != nil {
			t.Fatalf("Write = %d, %v", n, err)
		}
	}
	w.flush()
	want := []string{
		"Cloning into 'x'...",
		"Receiving objects:   1% (1/100)",
		"Receiving objects:   2% (2/100)",
		"Receiving objects: 100% (100/100), done.",
		"fatal: cut",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("lines = %q\nwant %q", got, want)
	}
}

func TestReporter(t *testing.T) {
	rec := &recorder{}
	r := &reporter{sink: rec, name: "api", phase: event.Cloning}
	r.start("cloning")
	for _, l := range []string{
		"Cloning into 'x'...",
		"remote: Counting objects: 100% (10/10), done.",
		"Receiving objects:  50% (5/10)",
		"Receiving objects:  50% (5/10)", // a redraw: no new event
		"Receiving objects:  90% (9/10), from https://bob:secret@host",
		"remote: Counting objects: 100% (10/10), done.", // never back
		"Resolving deltas: 100% (3/3), done.",
	} {
		r.line(l)
	}
	var msgs []string
	var progress []float64
	for _, e := range rec.all() {
		if e.Kind != event.Repo || e.Name != "api" || e.Phase != event.Cloning || e.Progress == nil {
			t.Fatalf("event %+v", e)
		}
		msgs = append(msgs, e.Msg)
		progress = append(progress, math.Round(*e.Progress*1000)/1000)
	}
	wantMsgs := []string{"cloning", "Counting objects: 100% (10/10)", "Receiving objects: 50% (5/10)",
		"Receiving objects: 90% (9/10), from https://bob:***@host", "Resolving deltas: 100% (3/3)"}
	if !reflect.DeepEqual(msgs, wantMsgs) {
		t.Errorf("messages %q\nwant %q", msgs, wantMsgs)
	}
	if want := []float64{0, 0.05, 0.475, 0.735, 0.92}; !reflect.DeepEqual(progress, want) {
		t.Errorf("progress %v, want %v", progress, want)
	}
}
