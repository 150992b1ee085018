package ui

import (
	"bytes"
	"strings"
	"testing"

	"github.com/crispify/crispify/internal/event"
)

// column is where the phase of a plain line starts: after time, kind and
// the name column.
func column(t *testing.T, line, phase string) int {
	t.Helper()
	i := strings.Index(line, phase)
	if i < 0 {
		t.Fatalf("no %q in %q", phase, line)
	}
	return i
}

// TestPlainNameColumnIgnoresImagesAndIsCapped: an image reference does not
// push the lines of repos and workers to the right, and a very long name
// pushes only its own lines.
func TestPlainNameColumnIgnoresImagesAndIsCapped(t *testing.T) {
	var alone, mixed bytes.Buffer
	NewPlain(&alone, false).Render(at(0, event.Event{Kind: event.Worker, Name: "search-indexer", Phase: event.Ready}))

	p := NewPlain(&mixed, false)
	p.Render(at(0, event.Event{Kind: event.Image, Name: "crispify-fixture/elasticsearch-standin:8", Phase: event.Present}))
	p.Render(at(0, event.Event{Kind: event.Worker, Name: "search-indexer", Phase: event.Ready}))
	p.Render(at(0, event.Event{Kind: event.Worker, Name: "search-indexer", Phase: event.Ready, Line: "listening"}))
	long := strings.Repeat("a-very-long-service-name-", 3)
	p.Render(at(0, event.Event{Kind: event.Repo, Name: long, Phase: event.Cloned}))
	p.Render(at(0, event.Event{Kind: event.Worker, Name: "api", Phase: event.Ready}))
	lines := strings.Split(strings.TrimRight(mixed.String(), "\n"), "\n")
	if len(lines) != 5 {
		t.Fatalf("%d lines:\n%s", len(lines), mixed.String())
	}

	want := column(t, strings.TrimRight(alone.String(), "\n"), "ready")
	if got := column(t, lines[1], "ready"); got != want {
		t.Errorf("after an image the phase starts at %d, alone at %d:\n%s", got, want, mixed.String())
	}
	if got := column(t, lines[2], "| listening"); got != want {
		t.Errorf("output line's text starts at %d, want %d:\n%s", got, want, mixed.String())
	}
	if !strings.Contains(lines[0], "crispify-fixture/elasticsearch-standin:8  present") {
		t.Errorf("the image line itself keeps its whole name: %q", lines[0])
	}
	if !strings.Contains(lines[3], long+"  cloned") {
		t.Errorf("the long name's own line: %q", lines[3])
	}
	capped := len("   0.0s  worker  ") + nameCap + 2
	if got := column(t, lines[4], "ready"); got != capped {
		t.Errorf("after a %d-letter name the phase starts at %d, want %d (capped):\n%s", len(long), got, capped, mixed.String())
	}
}

func TestPlainRepoLineShowsGitState(t *testing.T) {
	var buf bytes.Buffer
	p := NewPlain(&buf, false)
	p.Render(at(0, event.Event{Kind: event.Repo, Name: "api", Phase: event.Skipped, Msg: "on branch feature/x, not master: check out master to update it",
		Git: &event.Git{Branch: "feature/x", Want: "master", Dirty: 1, Untracked: 4}}))
	want := "   0.0s  repo    api           skipped     feature/x ≠master *1 ?4  on branch feature/x, not master: check out master to update it"
	if got := strings.TrimRight(buf.String(), "\n"); got != want {
		t.Errorf("\n got %q\nwant %q", got, want)
	}
}
