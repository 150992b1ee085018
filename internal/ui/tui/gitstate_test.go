package tui

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/ui"
)

// lineOf returns the view's line of a row: the first that starts, after
// the marker, with name and a space.
func lineOf(t *testing.T, m *model, name string) string {
	t.Helper()
	for _, l := range strings.Split(m.View().Content, "\n") {
		if strings.HasPrefix(strings.TrimLeft(ansi.Strip(l), " ▸"), name+" ") {
			return l
		}
	}
	t.Fatalf("no row of %s in\n%s", name, m.View().Content)
	return ""
}

func TestRepoRowsShowBranchAndMarks(t *testing.T) {
	m := newTestModel(t, testOptions(), &fakeController{}, 160, 80) // every repo fits
	feed(m, 5*time.Minute, finished()...)
	for name, want := range map[string]string{
		"api":     "master ↑1 *3 ?2",
		"auth":    "feature/sso ≠master",
		"ledger":  "master ↓2",
		"geo":     "detached 8f3e2a1 ≠master",
		"billing": "master",
	} {
		line := ansi.Strip(lineOf(t, m, name))
		if !strings.Contains(line, "✓ cloned") || !strings.Contains(line, want) {
			t.Errorf("row of %s: %q, want %q", name, line, want)
		}
	}
	if line := ansi.Strip(lineOf(t, m, "pricing")); strings.ContainsAny(line, "*?≠") {
		t.Errorf("a clean repo on its branch is marked: %q", line)
	}
}

func TestRepoOffItsBranchIsMarkedInColour(t *testing.T) {
	opts := testOptions()
	opts.NoColor = false
	m := newTestModel(t, opts, &fakeController{}, 160, 80)
	feed(m, 5*time.Minute, finished()...)
	warn := m.styles.render(m.styles.class[ui.Warn], "feature/sso ≠master")
	warnOpen, _, _ := strings.Cut(warn, "feature")
	if warnOpen == "" {
		t.Fatal("the warning style draws nothing with colour on")
	}
	if line := lineOf(t, m, "auth"); !strings.Contains(line, warnOpen+"feature/sso ≠master") {
		t.Errorf("off-branch repo not in the warning colour: %q", line)
	}
	if line := lineOf(t, m, "ledger"); strings.Contains(line, warnOpen+"master") {
		t.Errorf("a repo on its branch in the warning colour: %q", line)
	}
}

func TestFoldSaysHowManyHoldWork(t *testing.T) {
	m := newTestModel(t, testOptions(), &fakeController{}, 100, 24)
	feed(m, 5*time.Minute, finished()...)
	fold := ansi.Strip(lineOf(t, m, "✓"))
	if want := "✓ 40 repos cloned · 1 dirty, 1 untracked, 1 ahead, 1 behind, 2 off branch · enter to expand"; !strings.Contains(fold, want) {
		t.Errorf("fold line %q, want %q", fold, want)
	}

	// All clean and on their branch: the fold line says nothing more.
	m = newTestModel(t, testOptions(), &fakeController{}, 100, 24)
	var evs []event.Event
	for _, n := range repoNames {
		evs = append(evs, event.Event{Kind: event.Repo, Name: n, Phase: event.Unchanged,
			Git: &event.Git{Branch: "master", Want: "master", Upstream: "origin/master"}})
	}
	feed(m, time.Minute, evs...)
	if fold := ansi.Strip(lineOf(t, m, "✓")); !strings.HasSuffix(strings.TrimSpace(fold), "✓ 40 repos unchanged · enter to expand") {
		t.Errorf("clean fold line %q", fold)
	}
}

// TestGitRefreshKeepsTheRow: the stack re-emits a repo's last event with a
// new git state when its files change; the row takes the state and keeps
// its phase, message and time, and no state change is journalled.
func TestGitRefreshKeepsTheRow(t *testing.T) {
	m := newTestModel(t, testOptions(), &fakeController{}, 160, 80)
	clean := &event.Git{Branch: "master", Want: "master", Upstream: "origin/master"}
	feed(m, time.Second, event.Event{Kind: event.Repo, Name: "api", Phase: event.Updated, Msg: "3 new commits", Git: clean})
	it := m.items[itemKey{event.Repo, "api"}]
	since, logged := it.since, len(it.log.all())

	dirty := *clean
	dirty.Dirty, dirty.Ahead = 2, 1
	feed(m, 3*time.Minute, event.Event{Kind: event.Repo, Name: "api", Phase: event.Updated, Msg: "3 new commits", Git: &dirty})
	if it.git == nil || *it.git != dirty || it.since != since || len(it.log.all()) != logged || it.msg != "3 new commits" {
		t.Errorf("after a refresh: git %+v since %v (was %v), %d log lines (was %d), msg %q", it.git, it.since, since, len(it.log.all()), logged, it.msg)
	}
	if line := ansi.Strip(lineOf(t, m, "api")); !strings.Contains(line, "✓ updated") || !strings.Contains(line, "master ↑1 *2") || !strings.Contains(line, "3 new commits") {
		t.Errorf("row after a refresh: %q", line)
	}

	// An event that carries no git state (the next update's progress)
	// leaves the last one shown.
	feed(m, 4*time.Minute, event.Event{Kind: event.Repo, Name: "api", Phase: event.Updating, Msg: "fetching"})
	if it.git == nil || *it.git != dirty {
		t.Errorf("git state lost on an event without one: %+v", it.git)
	}
}

func TestLongBranchKeepsItsMarks(t *testing.T) {
	g := event.Git{Branch: "feature/JIRA-12345-make-the-invoices-faster", Want: "master", Ahead: 12, Dirty: 1}
	for _, w := range []int{23, 26, 34} {
		got := fitGit(g, w)
		if textWidth(got) > w || !strings.HasSuffix(got, " ≠master ↑12 *1") || !strings.HasPrefix(got, "feature") {
			t.Errorf("width %d: %q", w, got)
		}
	}
	if got := fitGit(event.Git{Branch: "main"}, 22); got != "main" {
		t.Errorf("short: %q", got)
	}
	if got := fitGit(g, 10); textWidth(got) > 10 {
		t.Errorf("no room for the marks: %q is wider than 10", got)
	}
}

func TestWorkerRowSaysItsRepoIsElsewhere(t *testing.T) {
	m := newTestModel(t, testOptions(), &fakeController{}, 160, 48)
	feed(m, 5*time.Minute, finished()...)
	for name, want := range map[string]string{
		"auth":   "feature/sso ≠master · listening on :8081",
		"api":    "master ↑1 *3 ?2 · listening on :8080",
		"mailer": "listening on :8083",
	} {
		line := ansi.Strip(lineOf(t, m, name))
		// The worker's row, not the repo's: both start with the name.
		if !strings.Contains(line, "ready") || !strings.HasSuffix(strings.TrimSpace(line), want) {
			t.Errorf("worker %s: %q, want it to end %q", name, line, want)
		}
	}
	if line := ansi.Strip(lineOf(t, m, "mailer")); strings.Contains(line, "master") {
		t.Errorf("a clean repo's worker speaks of git: %q", line)
	}
}

// TestInfraUptimeIsTheContainers: a container that started four minutes
// before the board (by an earlier run) is up four minutes, not the 23
// seconds the board has been open; so it is when the board attaches later
// and the supervisor replays the event.
func TestInfraUptimeIsTheContainers(t *testing.T) {
	started := t0.Add(-4 * time.Minute)
	healthy := event.Event{Kind: event.Infra, Name: "redis", Phase: event.Healthy, Msg: "already running",
		Ports: infraPorts["redis"], Since: started}
	m := newTestModel(t, testOptions(), &fakeController{}, 120, 40)
	feed(m, 23*time.Second, healthy)
	if line := ansi.Strip(lineOf(t, m, "redis")); !strings.Contains(line, "up 4m") {
		t.Errorf("redis row %q, want up 4m", line)
	}

	// status --watch an hour later: the replayed event is an hour old.
	replayed := healthy
	replayed.TS = t0
	later := newModel(context.Background(), nil, nil, testOptions(), t0.Add(time.Hour))
	later.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	later.Update(eventsMsg{events: []event.Event{replayed}, at: t0.Add(time.Hour + time.Second)})
	if line := ansi.Strip(lineOf(t, later, "redis")); !strings.Contains(line, "up 1h04m") {
		t.Errorf("replayed redis row %q, want up 1h04m", line)
	}

	// An event without a start time counts from when it came.
	feed(m, 30*time.Second, event.Event{Kind: event.Infra, Name: "mongodb", Phase: event.Healthy})
	feed(m, 90*time.Second)
	if line := ansi.Strip(lineOf(t, m, "mongodb")); !strings.Contains(line, "up 1m") {
		t.Errorf("mongodb row %q, want up 1m", line)
	}
}
