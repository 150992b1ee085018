package tui

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/crispify/crispify/internal/event"
)

// The board tells the truth (issue 18): every figure current, every state
// real, every key offered one that acts. These tests drive a small stack
// through Update and compare whole frames with goldens.

// smallOptions is a stack of three repos, two infra and four workers, small
// enough that a frame reads at a glance.
func smallOptions() Options {
	return Options{
		Title: "crisp", Endpoint: "unix:///var/run/docker.sock", Board: true, NoColor: true,
		Repos: []string{"api", "billing", "mailer", "search"}, Infra: []string{"rabbitmq", "mongodb"},
		Workers: []string{"api", "billing", "mailer", "search"},
		Images:  map[string][]string{"rabbitmq:3.13-management": {"rabbitmq"}, "mongo:7.0": {"mongodb"}},
		Needs: map[string][]string{"api": {"rabbitmq", "mongodb"}, "billing": {"rabbitmq"},
			"mailer": {"rabbitmq", "api"}, "search": {"mongodb"}},
	}
}

// smallBoot boots the small stack: done fourteen seconds in.
func smallBoot() []event.Event {
	evs := []event.Event{at(0, event.Event{Kind: event.Stack, Phase: event.Started})}
	for i, n := range []string{"api", "billing", "mailer", "search"} {
		evs = append(evs,
			at(time.Second, event.Event{Kind: event.Repo, Name: n, Phase: event.Cloned, Git: gitOf("x")}),
			at(8*time.Second, event.Event{Kind: event.Setup, Name: n, Phase: event.Done, Msg: "first setup here"}),
			at(time.Duration(10+i)*time.Second, event.Event{Kind: event.Worker, Name: n, Phase: event.Ready, PID: 4100 + i}))
	}
	return append(evs,
		at(time.Second, event.Event{Kind: event.Image, Name: "rabbitmq:3.13-management", Phase: event.Present}),
		at(time.Second, event.Event{Kind: event.Image, Name: "mongo:7.0", Phase: event.Present}),
		at(5*time.Second, event.Event{Kind: event.Infra, Name: "rabbitmq", Phase: event.Healthy, Since: t0.Add(3 * time.Second)}),
		at(5*time.Second, event.Event{Kind: event.Infra, Name: "mongodb", Phase: event.Healthy, Since: t0.Add(3 * time.Second)}),
		at(14*time.Second, event.Event{Kind: event.Stack, Phase: event.Done,
			Counts: map[event.Phase]int{event.Cloned: 4, event.Done: 4, event.Ready: 4, event.Healthy: 2, event.Present: 2}}),
	)
}

// smallRemote is a `crispify remote` of the small stack, 1m51s after the
// boot, that changes nothing and takes a tenth of a second.
func smallRemote(from time.Duration) []event.Event {
	evs := []event.Event{at(from, event.Event{Kind: event.Stack, Phase: event.Started})}
	for i, n := range []string{"api", "billing", "mailer", "search"} {
		evs = append(evs,
			at(from, event.Event{Kind: event.Repo, Name: n, Phase: event.Unchanged, Git: gitOf("x")}),
			at(from, event.Event{Kind: event.Setup, Name: n, Phase: event.Unchanged, Msg: "nothing changed"}),
			at(from, event.Event{Kind: event.Worker, Name: n, Phase: event.Ready, PID: 4100 + i, Msg: "unchanged"}))
	}
	return append(evs,
		at(from, event.Event{Kind: event.Image, Name: "rabbitmq:3.13-management", Phase: event.Present}),
		at(from, event.Event{Kind: event.Image, Name: "mongo:7.0", Phase: event.Present}),
		at(from, event.Event{Kind: event.Infra, Name: "rabbitmq", Phase: event.Healthy, Since: t0.Add(3 * time.Second)}),
		at(from, event.Event{Kind: event.Infra, Name: "mongodb", Phase: event.Healthy, Since: t0.Add(3 * time.Second)}),
		at(from+100*time.Millisecond, event.Event{Kind: event.Stack, Phase: event.Done,
			Counts: map[event.Phase]int{event.Unchanged: 8, event.Healthy: 2, event.Present: 2, event.Ready: 4}}),
	)
}

// header is the two header lines of a frame.
func header(m *model) string {
	lines := strings.SplitN(m.View().Content, "\n", 3)
	return lines[0] + "\n" + lines[1]
}

// After a second apply the header's elapsed time is that apply's, and
// what it counts is named: "2 images present", not "2 present".
func TestHeaderAfterASecondApplyCountsFromIt(t *testing.T) {
	m := newTestModel(t, smallOptions(), &fakeController{}, 120, 18)
	feed(m, 20*time.Second, smallBoot()...)
	remote := 20*time.Second + 111*time.Second
	feed(m, remote+100*time.Millisecond, smallRemote(remote)...)
	h := header(m)
	if !strings.Contains(h, "✓ done in 0.1s") || strings.Contains(h, "1m51s") {
		t.Errorf("the header does not time the latest apply:\n%s", h)
	}
	if !strings.Contains(h, "2 images present") || !strings.Contains(h, "4 setups unchanged") {
		t.Errorf("the header's counts do not say what they count:\n%s", h)
	}
	checkGolden(t, m, "secondapply_120x18")
}

// A stop after the apply leaves no figure in the header that contradicts
// the live counts: "ready 3/4" beside nothing that says 4 are ready.
func TestHeaderAfterAStopHasNoStaleCounts(t *testing.T) {
	m := newTestModel(t, smallOptions(), &fakeController{}, 120, 18)
	feed(m, 20*time.Second, smallBoot()...)
	feed(m, time.Minute, event.Event{Kind: event.Worker, Name: "api", Phase: event.Stopped})
	h := header(m)
	if !strings.Contains(h, "ready 3/4") {
		t.Fatalf("the stop is not counted:\n%s", h)
	}
	if strings.Contains(h, "4 ready") || strings.Contains(h, "2 healthy") {
		t.Errorf("the header keeps the apply's stale counts:\n%s", h)
	}
	checkGolden(t, m, "afterstop_120x18")
}

// During a boot, a worker whose setup is done but which is not up shows
// what it waits for, never a tick.
func TestSetupRowsDuringBootSayWhatTheyWaitFor(t *testing.T) {
	m := newTestModel(t, smallOptions(), &fakeController{}, 120, 18)
	feed(m, 9*time.Second,
		at(0, event.Event{Kind: event.Stack, Phase: event.Started}),
		at(time.Second, event.Event{Kind: event.Repo, Name: "api", Phase: event.Cloned}),
		at(time.Second, event.Event{Kind: event.Repo, Name: "billing", Phase: event.Cloned}),
		at(time.Second, event.Event{Kind: event.Repo, Name: "mailer", Phase: event.Cloned}),
		at(time.Second, event.Event{Kind: event.Repo, Name: "search", Phase: event.Cloned}),
		at(4*time.Second, event.Event{Kind: event.Infra, Name: "rabbitmq", Phase: event.Waiting, Msg: "health: starting"}),
		at(5*time.Second, event.Event{Kind: event.Infra, Name: "mongodb", Phase: event.Healthy}),
		at(6*time.Second, event.Event{Kind: event.Setup, Name: "api", Phase: event.Done, Msg: "first setup here"}),
		at(7*time.Second, event.Event{Kind: event.Setup, Name: "billing", Phase: event.Running, Progress: pct(0.5), Msg: "npm ci"}),
		at(7*time.Second, event.Event{Kind: event.Setup, Name: "mailer", Phase: event.Unchanged, Msg: "nothing changed"}),
		at(8*time.Second, event.Event{Kind: event.Setup, Name: "search", Phase: event.Done, Msg: "first setup here"}),
	)
	view := m.View().Content
	for name, want := range map[string]string{
		"api":    "for rabbitmq · setup done",
		"mailer": "for rabbitmq, api · setup unchanged",
		"search": "to start · setup done: first setup here",
	} {
		row := lineWith(view[strings.Index(view, "── Workers"):], "  "+name+" ")
		if strings.Contains(row, "✓") || !strings.Contains(row, " waiting ") || !strings.Contains(row, want) {
			t.Errorf("%s's row during boot: %q, want %q and no tick", name, row, want)
		}
	}
	checkGolden(t, m, "bootsetups_120x18")
}

// A filter that matches nothing says so, and how to clear it.
func TestEmptyFilterSaysSo(t *testing.T) {
	m := newTestModel(t, smallOptions(), &fakeController{}, 120, 18)
	feed(m, 20*time.Second, smallBoot()...)
	typeKeys(m, "/", "z", "z", "enter")
	if !strings.Contains(m.View().Content, `no row matches "zz": esc clears the filter`) {
		t.Errorf("an empty filter leaves no hint:\n%s", m.View().Content)
	}
	checkGolden(t, m, "emptyfilter_120x18")
}

// A repo's log says each change once and offers only the keys that act
// on a repo: no restart, no stop.
func TestRepoLogViewOffersOnlyItsKeys(t *testing.T) {
	ctrl := &fakeController{}
	m := newTestModel(t, smallOptions(), ctrl, 120, 18)
	feed(m, 2*time.Second,
		at(0, event.Event{Kind: event.Stack, Phase: event.Started}),
		at(0, event.Event{Kind: event.Repo, Name: "api", Phase: event.Cloning, Msg: "cloning"}),
		at(time.Second, event.Event{Kind: event.Repo, Name: "api", Phase: event.Cloning, Progress: pct(0.4), Msg: "Receiving objects: 40% (400/1000)"}),
		at(2*time.Second, event.Event{Kind: event.Repo, Name: "api", Phase: event.Cloned, Git: gitOf("x")}),
	)
	if m.sel != (itemKey{event.Repo, "api"}) {
		t.Fatalf("selected %v, want the api repo", m.sel)
	}
	press(m, "enter")
	if m.logs == nil {
		t.Fatal("enter opened no log")
	}
	view := m.View().Content
	if strings.Contains(view, "cloning: cloning") || !slices.Contains(trimmed(view), "── cloning") {
		t.Errorf("the repo's log repeats its phase:\n%s", view)
	}
	if strings.Contains(view, "restart") || strings.Contains(view, "stop") {
		t.Errorf("a repo's log offers keys that do nothing there:\n%s", view)
	}
	for _, k := range []string{"r", "s"} {
		if cmd := press(m, k); cmd != nil {
			deliver(t, m, cmd)
		}
	}
	if calls := ctrl.Calls(); len(calls) != 0 {
		t.Errorf("r and s in a repo's log did %q", calls)
	}
	checkGolden(t, m, "repolog_120x18")
}

// After a restart by hand the worker's log says the new process's pid.
func TestRestartLogSaysTheNewPid(t *testing.T) {
	m := newTestModel(t, smallOptions(), &fakeController{}, 120, 18)
	feed(m, 20*time.Second, smallBoot()...)
	feed(m, time.Minute,
		event.Event{Kind: event.Worker, Name: "api", Phase: event.Restarting, Msg: "by hand"},
		event.Event{Kind: event.Worker, Name: "api", Phase: event.Restarting, PID: 4200, Msg: "started, pid 4200"},
		event.Event{Kind: event.Worker, Name: "api", Phase: event.Ready, PID: 4200, Msg: "restarted: by hand"})
	log := m.items[itemKey{event.Worker, "api"}].log.all()
	log = log[max(len(log)-3, 0):]
	want := []string{"── ready (pid 4100)", "── restarting: by hand", "── ready: restarted: by hand (pid 4200)"}
	if !slices.Equal(log, want) {
		t.Errorf("api's log:\n%s\nwant:\n%s", strings.Join(log, "\n"), strings.Join(want, "\n"))
	}
}

// A board opened on a running stack selects its first row, whichever item
// the replay named first.
func TestSelectionStartsOnTheFirstRow(t *testing.T) {
	m := newTestModel(t, smallOptions(), &fakeController{}, 120, 18)
	feed(m, time.Second, event.Event{Kind: event.Worker, Name: "billing", Phase: event.Ready, PID: 4101})
	evs := smallBoot()
	feed(m, 20*time.Second, evs...)
	if m.sel != (itemKey{event.Repo, "api"}) {
		t.Errorf("selected %v, want the first row (repo api)", m.sel)
	}
	// Once the user moves it, the selection stays on what they chose.
	press(m, "down")
	feed(m, 21*time.Second, event.Event{Kind: event.Worker, Name: "api", Phase: event.Ready, PID: 4100})
	if m.sel != (itemKey{event.Repo, "billing"}) {
		t.Errorf("selected %v after a move, want repo billing", m.sel)
	}
}

// status --watch: the board of a stack another process keeps. It boots
// nothing, so its header says how the last apply ended and when, not
// "done in 0s"; q only closes it, and its help says so.
func TestAttachedBoardSaysWhatItIs(t *testing.T) {
	opts := smallOptions()
	opts.Attached = true
	opened := t0.Add(5 * time.Minute)
	m := newModel(context.Background(), nil, &fakeController{}, opts, opened)
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 18})
	// The replay: every item's last state, then the last stack event. A
	// worker's last event was sent by an apply that left it alone, a
	// minute ago; its state began twelve seconds into the boot.
	var replay []event.Event
	for _, e := range smallBoot() {
		if e.Kind != event.Stack || e.Phase == event.Done {
			replay = append(replay, e)
		}
	}
	replay = append(replay[:len(replay)-1], at(4*time.Minute, event.Event{Kind: event.Worker, Name: "api",
		Phase: event.Ready, PID: 4100, Msg: "unchanged", Since: t0.Add(10 * time.Second)}), replay[len(replay)-1])
	_, _ = m.Update(eventsMsg{events: replay, at: opened})
	h := header(m)
	if strings.Contains(h, "done in") || !strings.Contains(h, "✓ last apply done 4m ago") {
		t.Errorf("the attached board's header:\n%s", h)
	}
	view := m.View().Content
	if row := lineWith(view[strings.Index(view, "── Workers"):], "  api "); !strings.Contains(row, "up 4m") {
		t.Errorf("api's uptime is not from when it came up: %q", row)
	}
	checkGolden(t, m, "attached_120x18")

	press(m, "?")
	help := m.View().Content
	if strings.Contains(help, "stop the workers") || !strings.Contains(help, "close the board; the stack keeps running") {
		t.Errorf("the attached board's help:\n%s", help)
	}
	press(m, "esc")
	press(m, "q")
	if v := m.View().Content; strings.Contains(v, "stopping") || !strings.Contains(v, "closing the board; the stack keeps running") {
		t.Errorf("q on the attached board:\n%s", v)
	}
}

// trimmed is a frame's lines without their trailing spaces.
func trimmed(view string) []string {
	lines := strings.Split(view, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return lines
}
