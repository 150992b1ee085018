package ui

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/crispify/crispify/internal/event"
)

var t0 = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

func at(ms int, e event.Event) event.Event {
	e.TS = t0.Add(time.Duration(ms) * time.Millisecond)
	return e
}

func TestPlainPrintsProgressAtMostEveryTenPercent(t *testing.T) {
	var buf bytes.Buffer
	p := NewPlain(&buf, false)
	for i := 0; i <= 100; i++ {
		p.Render(at(i, event.Event{Kind: event.Repo, Name: "api", Phase: event.Cloning, Progress: event.Fraction(float64(i) / 100)}))
	}
	p.Render(at(200, event.Event{Kind: event.Repo, Name: "api", Phase: event.Cloned, Msg: "in 0.2s"}))
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 12 { // 0%, 10%, ..., 100%, then cloned
		t.Fatalf("got %d lines, want 12:\n%s", len(lines), buf.String())
	}
	if want := "   0.2s  repo    api           cloned      in 0.2s"; lines[11] != want {
		t.Errorf("last line\n got %q\nwant %q", lines[11], want)
	}
	if !strings.Contains(lines[5], " 50%") {
		t.Errorf("line 5 %q: want 50%%", lines[5])
	}
}

func TestPlainShowsErrorsAndCountsAndNoColourUnlessAsked(t *testing.T) {
	var buf bytes.Buffer
	p := NewPlain(&buf, false)
	p.Render(at(0, event.Event{Kind: event.Repo, Name: "billing", Phase: event.Failed, Error: "clone billing: repository not found"}))
	p.Render(at(1500, event.Event{Kind: event.Stack, Phase: event.Failed, Counts: map[event.Phase]int{event.Cloned: 3, event.Failed: 1}}))
	out := buf.String()
	for _, want := range []string{"billing       failed      clone billing: repository not found", "3 repos cloned, 1 failed", "1.5s"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b[") {
		t.Errorf("colour codes with colour off:\n%q", out)
	}

	buf.Reset()
	NewPlain(&buf, true).Render(at(0, event.Event{Kind: event.Repo, Name: "x", Phase: event.Failed}))
	if !strings.Contains(buf.String(), "\x1b[31m") {
		t.Errorf("failed not red with colour on: %q", buf.String())
	}
}

func TestJSONIsOneEventPerLineAsDesignSays(t *testing.T) {
	var buf bytes.Buffer
	j := NewJSON(&buf)
	j.Render(event.Event{TS: t0.Add(123 * time.Millisecond), Kind: event.Repo, Name: "api", Phase: event.Cloning, Progress: event.Fraction(0.42), Msg: "Receiving objects: 42% (420/1000)"})
	j.Render(event.Event{TS: t0, Kind: event.Stack, Phase: event.Done, Counts: map[event.Phase]int{event.Cloned: 2}})
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 lines, got %q", buf.String())
	}
	want := `{"ts":"2026-11-22T10:00:00.123Z","kind":"repo","name":"api","phase":"cloning","progress":0.42,"msg":"Receiving objects: 42% (420/1000)"}`
	if lines[0] != want {
		t.Errorf("\n got %s\nwant %s", lines[0], want)
	}
	var last map[string]any
	if err := json.Unmarshal([]byte(lines[1]), &last); err != nil {
		t.Fatal(err)
	}
	if last["kind"] != "stack" || last["phase"] != "done" || last["counts"].(map[string]any)["cloned"] != 2.0 {
		t.Errorf("stack event %s", lines[1])
	}
}

func TestTableAlignsColumns(t *testing.T) {
	var buf bytes.Buffer
	Table(&buf, false, []string{"REPO", "RESULT", "REASON"}, []Row{
		{Cells: []string{"api", "cloned", ""}, Class: Good, StateColumn: 1},
		{Cells: []string{"billing-worker", "skipped", "dirty: 2 modified files"}, Class: Warn, StateColumn: 1},
	})
	want := "REPO            RESULT   REASON\n" +
		"api             cloned\n" +
		"billing-worker  skipped  dirty: 2 modified files\n"
	if buf.String() != want {
		t.Errorf("\n got:\n%s\nwant:\n%s", buf.String(), want)
	}
}

func TestPlainPrintsOutputLinesPrefixedByName(t *testing.T) {
	var buf bytes.Buffer
	p := NewPlain(&buf, false)
	p.Render(at(0, event.Event{Kind: event.Worker, Name: "api", Phase: event.Starting, PID: 42}))
	p.Render(at(100, event.Event{Kind: event.Worker, Name: "api", Phase: event.Starting, Line: "listening on :8080"}))
	p.Render(at(200, event.Event{Kind: event.Worker, Name: "api", Phase: event.Starting, Line: "listening on :8080"}))
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 || lines[1] != "   0.1s  worker  api           | listening on :8080" {
		t.Errorf("got:\n%s", buf.String())
	}
}
