package tui

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/crispify/crispify/internal/event"
)

// keyMsg builds the key press bubbletea sends for a key name.
func keyMsg(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "end":
		return tea.KeyPressMsg{Code: tea.KeyEnd}
	case "pgup":
		return tea.KeyPressMsg{Code: tea.KeyPgUp}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	}
	r := []rune(k)[0]
	return tea.KeyPressMsg{Code: r, Text: k}
}

// typeKeys presses keys in order.
func typeKeys(m *model, keys ...string) {
	for _, k := range keys {
		m.Update(keyMsg(k))
	}
}

// press presses one key and returns the command it gave.
func press(m *model, k string) tea.Cmd {
	_, cmd := m.Update(keyMsg(k))
	return cmd
}

// runCmd runs a command as bubbletea would, batches included, and returns
// the messages it produced, leaving out ticks.
func runCmd(t *testing.T, cmd tea.Cmd) []tea.Msg {
	t.Helper()
	var (
		mu   sync.Mutex
		out  []tea.Msg
		wg   sync.WaitGroup
		exec func(tea.Cmd)
	)
	exec = func(c tea.Cmd) {
		defer wg.Done()
		if c == nil {
			return
		}
		switch msg := c().(type) {
		case tea.BatchMsg:
			for _, c := range msg {
				wg.Add(1)
				go exec(c)
			}
		case tickMsg, nil:
		default:
			mu.Lock()
			out = append(out, msg)
			mu.Unlock()
		}
	}
	wg.Add(1)
	go exec(cmd)
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("a command did not return")
	}
	return out
}

// deliver runs cmd and gives its messages back to the model, as the
// program loop would.
func deliver(t *testing.T, m *model, cmd tea.Cmd) {
	t.Helper()
	for _, msg := range runCmd(t, cmd) {
		m.Update(msg)
	}
}

func isQuit(t *testing.T, cmd tea.Cmd) bool {
	t.Helper()
	for _, msg := range runCmd(t, cmd) {
		if _, ok := msg.(tea.QuitMsg); ok {
			return true
		}
	}
	return false
}

// visible returns the names of the item rows in layout order, and the fold
// line as "fold".
func visible(m *model) []string {
	var names []string
	for _, r := range m.rows() {
		switch r.kind {
		case itemRow:
			names = append(names, string(r.it.kind)+":"+r.it.name)
		case foldRow:
			names = append(names, fmt.Sprintf("fold:%d", len(r.folded)))
		}
	}
	return names
}

func TestEventsSetStateAndCounts(t *testing.T) {
	m := newTestModel(t, testOptions(), &fakeController{}, 80, 24)
	feed(m, 12*time.Second, midBoot()...)

	quota := m.items[itemKey{event.Repo, "quota"}]
	if quota.phase != event.Cloning || quota.progress == nil || *quota.progress != 0.42 {
		t.Errorf("quota = %s %v, want cloning 0.42", quota.phase, quota.progress)
	}
	if redis := m.items[itemKey{event.Infra, "redis"}]; redis.phase != event.Healthy || redis.since != t0.Add(3*time.Second) {
		t.Errorf("redis = %s since %v", redis.phase, redis.since)
	}
	header := strings.Join(m.headerLines(), "\n")
	for _, want := range []string{"crisp", "unix:///var/run/docker.sock", "12s", "cloned 30/40", "healthy 1/6", "ready 0/10", "booting"} {
		if !strings.Contains(header, want) {
			t.Errorf("header lacks %q:\n%s", want, header)
		}
	}

	feed(m, 5*time.Minute, finished()...)
	header = strings.Join(m.headerLines(), "\n")
	for _, want := range []string{"cloned 40/40", "healthy 6/6", "ready 9/10", "1 failed", "failed after 1m20s"} {
		if !strings.Contains(header, want) {
			t.Errorf("header lacks %q:\n%s", want, header)
		}
	}
}

func TestWorkerRowShowsFacts(t *testing.T) {
	m := newTestModel(t, testOptions(), &fakeController{}, 160, 48)
	feed(m, 5*time.Minute, finished()...)
	view := m.View().Content
	for _, want := range []string{
		"api", "✓ ready", "pid 4100", ":8080", "up 4m",
		"billing", "✗ failed", "↻5", "exit 1", "ECONNREFUSED",
		"rabbitmq", ":5672 :15672",
	} {
		if !strings.Contains(view, want) {
			t.Errorf("view lacks %q", want)
		}
	}
	if strings.Contains(view, "TCPConnectWrap") {
		t.Error("a row shows more than the first line of an error")
	}
}

func TestFinishedReposFoldAndProblemsStay(t *testing.T) {
	m := newTestModel(t, testOptions(), &fakeController{}, 80, 24)
	feed(m, 5*time.Minute, finished()...)
	feed(m, 5*time.Minute,
		event.Event{Kind: event.Repo, Name: "ledger", Phase: event.Skipped, Msg: "local changes"},
		event.Event{Kind: event.Repo, Name: "geo", Phase: event.Failed, Error: "clone geo: authentication required"},
	)
	rows := visible(m)
	want := []string{"fold:38", "repo:ledger", "repo:geo"}
	if !slices.Equal(rows[:3], want) {
		t.Fatalf("repos rows = %v, want %v first", rows, want)
	}
	if m.sel.kind != foldKind {
		t.Fatalf("selection = %v, want the fold line", m.sel)
	}
	press(m, "enter")
	if got := visible(m); len(got) != 1+40+6+10 || got[0] != "fold:38" {
		t.Errorf("unfolded rows = %d %v", len(got), got[:3])
	}
	press(m, "enter")
	if got := visible(m); got[0] != "fold:38" || len(got) != 1+2+6+10 {
		t.Errorf("folded again rows = %v", got)
	}
}

func TestTallTerminalShowsEveryRepo(t *testing.T) {
	m := newTestModel(t, testOptions(), &fakeController{}, 120, 80)
	feed(m, 5*time.Minute, finished()...)
	if got := visible(m); len(got) != 40+6+10 || got[0] != "repo:api" {
		t.Errorf("rows = %d %v, want every repo without a fold line", len(got), got[:2])
	}
}

func TestPendingItemsShareALine(t *testing.T) {
	m := newTestModel(t, testOptions(), &fakeController{}, 80, 24)
	feed(m, time.Second, event.Event{Kind: event.Stack, Phase: event.Started})
	view := m.View().Content
	for _, want := range []string{"40 pending: api, auth", "6 pending: rabbitmq", "10 pending: api"} {
		if !strings.Contains(view, want) {
			t.Errorf("view lacks %q:\n%s", want, view)
		}
	}
}

func TestImagePullShowsOnInfraRowOrItsOwn(t *testing.T) {
	opts := testOptions()
	m := newTestModel(t, opts, &fakeController{}, 100, 30)
	feed(m, time.Second,
		event.Event{Kind: event.Image, Name: "redis:7.4", Phase: event.Pulling, Progress: pct(0.5)},
		event.Event{Kind: event.Image, Name: "busybox:1", Phase: event.Pulling, Progress: pct(0.25)},
	)
	view := m.View().Content
	if !strings.Contains(view, "redis") || !strings.Contains(view, "50%") || !strings.Contains(view, "image redis:7.4") {
		t.Errorf("the mapped pull is not on the redis row:\n%s", view)
	}
	if !slices.Contains(visible(m), "image:busybox:1") {
		t.Errorf("an unmapped pull has no row: %v", visible(m))
	}
	feed(m, 2*time.Second, event.Event{Kind: event.Image, Name: "busybox:1", Phase: event.Pulled})
	if slices.Contains(visible(m), "image:busybox:1") {
		t.Error("a finished pull keeps its row")
	}
}

func TestSetupShowsOnWorkerRowThenRepoRowWithoutWorker(t *testing.T) {
	opts := testOptions()
	m := newTestModel(t, opts, &fakeController{}, 100, 30)
	feed(m, time.Second,
		event.Event{Kind: event.Setup, Name: "api", Phase: event.Failed, Error: "npm ci: exit status 1\nnpm ERR! missing script"},
		event.Event{Kind: event.Setup, Name: "ledger", Phase: event.Running, Msg: "make deps"},
		event.Event{Kind: event.Repo, Name: "ledger", Phase: event.Cloned},
	)
	api := m.lookOf(m.items[itemKey{event.Worker, "api"}])
	if api.phase != event.Failed || api.detail != "setup: npm ci: exit status 1" || !api.bad {
		t.Errorf("worker api shows %+v", api)
	}
	ledger := m.lookOf(m.items[itemKey{event.Repo, "ledger"}])
	if ledger.phase != event.Running || ledger.detail != "setup: make deps" {
		t.Errorf("repo ledger shows %+v", ledger)
	}
	if !slices.Contains(visible(m), "repo:ledger") {
		t.Error("a repo whose setup runs folded away")
	}
}

func TestSelectionMovesOverSelectableRows(t *testing.T) {
	m := newTestModel(t, testOptions(), &fakeController{}, 80, 24)
	feed(m, 5*time.Minute, finished()...)
	if m.sel.kind != foldKind {
		t.Fatalf("first selection = %v", m.sel)
	}
	press(m, "j")
	if m.sel != (itemKey{event.Infra, "rabbitmq"}) {
		t.Errorf("after j: %v, want the first infra (headings are skipped)", m.sel)
	}
	typeKeys(m, "down", "down")
	if m.sel != (itemKey{event.Infra, "mysql"}) {
		t.Errorf("after 2 downs: %v", m.sel)
	}
	typeKeys(m, "k", "up")
	if m.sel != (itemKey{event.Infra, "rabbitmq"}) {
		t.Errorf("after k, up: %v", m.sel)
	}
	press(m, "G")
	if m.sel != (itemKey{event.Worker, "crm-bridge"}) {
		t.Errorf("after G: %v", m.sel)
	}
	press(m, "j")
	if m.sel != (itemKey{event.Worker, "crm-bridge"}) {
		t.Errorf("j past the end moved to %v", m.sel)
	}
	press(m, "g")
	if m.sel.kind != foldKind {
		t.Errorf("after g: %v", m.sel)
	}
}

func TestSelectionStaysOnItsItem(t *testing.T) {
	m := newTestModel(t, testOptions(), &fakeController{}, 80, 24)
	feed(m, 12*time.Second, midBoot()...)
	m.sel = itemKey{event.Worker, "auth"}
	m.keepSelection()
	// Rows above it appear and fold away; it stays selected.
	feed(m, 13*time.Second,
		event.Event{Kind: event.Repo, Name: "ocr", Phase: event.Cloning, Progress: pct(0.1)},
		event.Event{Kind: event.Repo, Name: "quota", Phase: event.Cloned},
	)
	if m.sel != (itemKey{event.Worker, "auth"}) {
		t.Errorf("selection moved to %v", m.sel)
	}
	// A selected repo that folds away leaves the selection on a neighbour.
	m.sel = itemKey{event.Repo, "cleanup"}
	m.keepSelection()
	idx := m.selIdx
	feed(m, 14*time.Second, event.Event{Kind: event.Repo, Name: "cleanup", Phase: event.Cloned})
	if m.sel == (itemKey{event.Repo, "cleanup"}) || m.selIdx != idx {
		t.Errorf("selection = %v at %d, want the row now at %d", m.sel, m.selIdx, idx)
	}
}

func TestSelectionScrollsIntoView(t *testing.T) {
	m := newTestModel(t, testOptions(), &fakeController{}, 80, 24)
	feed(m, 5*time.Minute, finished()...)
	press(m, "enter") // 40 repos unfolded: the body no longer fits
	for range 30 {
		press(m, "j")
	}
	want := m.sel.name
	if m.top == 0 {
		t.Error("the body did not scroll")
	}
	found := false
	for _, l := range strings.Split(m.View().Content, "\n") {
		if strings.HasPrefix(l, "▸ "+want) {
			found = true
		}
	}
	if !found {
		t.Errorf("selected %s is not on screen:\n%s", want, m.View().Content)
	}
	press(m, "g")
	if m.top != 0 {
		t.Errorf("top = %d after g", m.top)
	}
}

func TestFilter(t *testing.T) {
	m := newTestModel(t, testOptions(), &fakeController{}, 80, 24)
	feed(m, 5*time.Minute, finished()...)
	typeKeys(m, "/", "B", "i", "l", "j")
	if m.filter != "Bilj" || !m.typing {
		t.Fatalf("filter = %q typing=%v: letters such as j must be typed, not move", m.filter, m.typing)
	}
	press(m, "backspace")
	if got, want := visible(m), []string{"repo:billing", "worker:billing"}; !slices.Equal(got, want) {
		t.Errorf("filtered rows = %v, want %v (case-insensitive, folded repos included)", got, want)
	}
	press(m, "enter")
	if m.typing || m.filter != "Bil" {
		t.Errorf("after enter: filter %q typing %v", m.filter, m.typing)
	}
	press(m, "j")
	if m.sel != (itemKey{event.Worker, "billing"}) {
		t.Errorf("j in a kept filter selected %v", m.sel)
	}
	press(m, "esc")
	if m.filter != "" || len(visible(m)) != 1+6+10 {
		t.Errorf("esc left filter %q, rows %v", m.filter, visible(m))
	}
	typeKeys(m, "/", "x", "esc")
	if m.filter != "" || m.typing {
		t.Errorf("esc while typing left filter %q typing %v", m.filter, m.typing)
	}
}

func TestHelpOverlay(t *testing.T) {
	m := newTestModel(t, testOptions(), &fakeController{}, 80, 24)
	press(m, "?")
	if v := m.View().Content; !strings.Contains(v, "restart the worker or container") {
		t.Errorf("help not shown:\n%s", v)
	}
	press(m, "j") // ignored while the help shows
	press(m, "esc")
	if m.help {
		t.Error("esc did not close the help")
	}
}

func TestWorkerLogView(t *testing.T) {
	m := newTestModel(t, testOptions(), &fakeController{}, 80, 24)
	feed(m, 5*time.Minute, finished()...)
	var lines []event.Event
	for i := range 100 {
		lines = append(lines, event.Event{Kind: event.Worker, Name: "api", Phase: event.Ready, Line: fmt.Sprintf("GET /orders %d", i)})
	}
	lines = append(lines, event.Event{Kind: event.Setup, Name: "api", Phase: event.Done, Line: "added 3 packages"})
	feed(m, 5*time.Minute, lines...)

	m.sel = itemKey{event.Worker, "api"}
	if cmd := press(m, "enter"); cmd != nil {
		t.Error("a worker's log should need no controller call")
	}
	if m.logs == nil {
		t.Fatal("enter opened no log")
	}
	view := m.View().Content
	checkFits(t, view, 80, 24)
	if !strings.Contains(view, "setup: added 3 packages") || !strings.Contains(view, "GET /orders 99") {
		t.Errorf("log does not show the tail:\n%s", view)
	}
	feed(m, 5*time.Minute, event.Event{Kind: event.Worker, Name: "api", Phase: event.Ready, Line: "GET /orders 100"})
	if !strings.Contains(m.View().Content, "GET /orders 100") {
		t.Error("a following log did not scroll to a new line")
	}
	typeKeys(m, "pgup")
	if m.logs.follow {
		t.Error("still following after scrolling up")
	}
	feed(m, 5*time.Minute, event.Event{Kind: event.Worker, Name: "api", Phase: event.Ready, Line: "GET /orders 101"})
	if strings.Contains(m.View().Content, "GET /orders 101") {
		t.Error("a scrolled-up log jumped to the tail")
	}
	press(m, "G")
	if !m.logs.follow || !strings.Contains(m.View().Content, "GET /orders 101") {
		t.Error("G did not follow the tail again")
	}
	press(m, "esc")
	if m.logs != nil {
		t.Error("esc did not close the log")
	}
}

func TestLogViewWrapsLongLines(t *testing.T) {
	m := newTestModel(t, testOptions(), &fakeController{}, 80, 24)
	feed(m, 5*time.Minute, finished()...)
	m.sel = itemKey{event.Worker, "billing"}
	press(m, "enter")
	view := m.View().Content
	checkFits(t, view, 80, 24)
	// The whole error, wider than the screen, is in the log, wrapped.
	if !strings.Contains(view, "(is DB_PORT right?)") || !strings.Contains(view, "at TCPConnectWrap.afterConnect") {
		t.Errorf("the log lacks the end of the error:\n%s", view)
	}
	m.Update(tea.WindowSizeMsg{Width: 40, Height: 12})
	checkFits(t, m.View().Content, 40, 12)
}

func TestInfraLogViewStreamsFromController(t *testing.T) {
	ctrl := &fakeController{logLines: []string{"starting rabbitmq", "\x1b[31mServer startup complete\x1b[0m"}}
	m := newTestModel(t, testOptions(), ctrl, 80, 24)
	feed(m, 5*time.Minute, finished()...)
	m.sel = itemKey{event.Infra, "rabbitmq"}
	deliver(t, m, press(m, "enter"))
	if got := ctrl.Calls(); !slices.Equal(got, []string{"logs infra rabbitmq 2000"}) {
		t.Errorf("controller calls = %v", got)
	}
	view := m.View().Content
	for _, want := range []string{"── healthy", "── docker logs", "starting rabbitmq", "Server startup complete", "end of log"} {
		if !strings.Contains(view, want) {
			t.Errorf("log view lacks %q:\n%s", want, view)
		}
	}
	if strings.Contains(view, "\x1b[31m") {
		t.Error("a container's escape codes reached the screen")
	}
	cancelled := m.logs.cancel
	press(m, "q") // q leaves a log, it does not quit
	if m.logs != nil || m.quitting || cancelled == nil {
		t.Errorf("q in a log: logs open %v, quitting %v", m.logs != nil, m.quitting)
	}
}

func TestStaleLogStreamIsIgnored(t *testing.T) {
	m := newTestModel(t, testOptions(), &fakeController{}, 80, 24)
	feed(m, 5*time.Minute, finished()...)
	m.sel = itemKey{event.Infra, "redis"}
	press(m, "enter")
	m.Update(logLinesMsg{id: m.logs.id + 1, lines: []string{"from an older stream"}})
	if strings.Contains(m.View().Content, "from an older stream") {
		t.Error("lines of a closed stream were shown")
	}
}

func TestRingKeepsTheLastLines(t *testing.T) {
	var r ring
	for i := range ringSize + 500 {
		r.add(fmt.Sprintf("line %d", i))
	}
	all := r.all()
	if len(all) != ringSize || all[0] != "line 500" || all[len(all)-1] != fmt.Sprintf("line %d", ringSize+499) {
		t.Errorf("ring holds %d lines, %q .. %q", len(all), all[0], all[len(all)-1])
	}
}

func TestCleanLines(t *testing.T) {
	for in, want := range map[string]string{
		"plain":                 "plain",
		"\x1b[2J\x1b[Hcleared":  "cleared",
		"a\tb":                  "a    b",
		"bell\a and \r return":  "bell and  return",
		"\x1b[1;31mred\x1b[0m!": "red!",
	} {
		if got := clean(in); got != want {
			t.Errorf("clean(%q) = %q, want %q", in, got, want)
		}
	}
	if got := clean(strings.Repeat("é", maxLineLen)); len(got) > maxLineLen || !strings.HasSuffix(got, "é") {
		t.Errorf("a long line is cut to %d bytes, ending %q", len(got), got[len(got)-2:])
	}
}

func TestQuitCallsControllerOnce(t *testing.T) {
	ctrl := &fakeController{}
	m := newTestModel(t, testOptions(), ctrl, 80, 24)
	feed(m, 5*time.Minute, finished()...)
	deliver(t, m, press(m, "q"))
	if !m.quitting || m.exiting {
		t.Fatalf("after q: quitting %v exiting %v; the screen must stay to show the workers stopping", m.quitting, m.exiting)
	}
	deliver(t, m, press(m, "q"))
	if got := ctrl.Calls(); !slices.Equal(got, []string{"quit"}) {
		t.Errorf("controller calls = %v, want one quit", got)
	}
	if v := m.View().Content; !strings.Contains(v, "stopping workers") || !strings.Contains(v, "ctrl+c again to force") {
		t.Errorf("the screen does not say the workers are stopping:\n%s", v)
	}
	feed(m, 5*time.Minute, event.Event{Kind: event.Worker, Name: "api", Phase: event.Stopped})
	if m.exiting {
		t.Error("exited before the queue closed")
	}
	_, cmd := m.Update(eventsMsg{closed: true, at: t0.Add(6 * time.Minute)})
	if !isQuit(t, cmd) || m.forced {
		t.Errorf("closing the queue after q did not end the program (forced %v)", m.forced)
	}
}

func TestCtrlCTwiceForces(t *testing.T) {
	ctrl := &fakeController{}
	m := newTestModel(t, testOptions(), ctrl, 80, 24)
	feed(m, 12*time.Second, midBoot()...)
	deliver(t, m, press(m, "ctrl+c"))
	if !m.quitting || m.forced {
		t.Fatalf("first ctrl+c: quitting %v forced %v", m.quitting, m.forced)
	}
	cmd := press(m, "ctrl+c")
	if !m.forced || !isQuit(t, cmd) {
		t.Errorf("second ctrl+c: forced %v", m.forced)
	}
	if got := ctrl.Calls(); !slices.Equal(got, []string{"quit"}) {
		t.Errorf("controller calls = %v", got)
	}
}

func TestCallerCancelIsAFirstInterruptOnly(t *testing.T) {
	ctrl := &fakeController{}
	m := newTestModel(t, testOptions(), ctrl, 80, 24)
	_, cmd := m.Update(outerDoneMsg{})
	deliver(t, m, cmd)
	m.Update(outerDoneMsg{})
	if !m.quitting || m.forced {
		t.Errorf("quitting %v forced %v", m.quitting, m.forced)
	}
	if got := ctrl.Calls(); !slices.Equal(got, []string{"quit"}) {
		t.Errorf("controller calls = %v", got)
	}
	m.Update(interruptMsg{})
	if !m.forced {
		t.Error("a signal after the cancel did not force")
	}
}

func TestStreamEnd(t *testing.T) {
	t.Run("without board the screen ends", func(t *testing.T) {
		opts := testOptions()
		opts.Board = false
		m := newTestModel(t, opts, &fakeController{}, 80, 24)
		feed(m, time.Second, event.Event{Kind: event.Repo, Name: "api", Phase: event.Cloned})
		_, cmd := m.Update(eventsMsg{closed: true})
		if !isQuit(t, cmd) {
			t.Fatal("the screen stayed after the queue closed")
		}
		v := m.View().Content
		if strings.Contains(v, "q quit") || strings.Contains(v, "▸") {
			t.Errorf("the last frame keeps hints or the selection:\n%s", v)
		}
	})
	t.Run("the board stays until q", func(t *testing.T) {
		ctrl := &fakeController{}
		m := newTestModel(t, testOptions(), ctrl, 80, 24)
		feed(m, 5*time.Minute, finished()...)
		_, cmd := m.Update(eventsMsg{closed: true})
		if cmd != nil && isQuit(t, cmd) {
			t.Fatal("the board closed with the stream")
		}
		if !strings.Contains(m.View().Content, "the run has ended") {
			t.Error("the board does not say the run ended")
		}
		if !isQuit(t, press(m, "q")) {
			t.Error("q did not close an ended board")
		}
		if got := ctrl.Calls(); len(got) != 0 {
			t.Errorf("controller calls = %v; the engine has finished already", got)
		}
	})
}

func TestRestartAndStop(t *testing.T) {
	ctrl := &fakeController{}
	m := newTestModel(t, testOptions(), ctrl, 80, 24)
	feed(m, 5*time.Minute, finished()...)
	m.sel = itemKey{event.Worker, "billing"}
	deliver(t, m, press(m, "r"))
	m.sel = itemKey{event.Infra, "redis"}
	deliver(t, m, press(m, "s"))
	if got, want := ctrl.Calls(), []string{"restart worker billing", "stop infra redis"}; !slices.Equal(got, want) {
		t.Errorf("controller calls = %v, want %v", got, want)
	}
	if !strings.Contains(m.View().Content, "stop redis: done") {
		t.Errorf("no outcome in the footer:\n%s", m.View().Content)
	}
	m.Update(tickMsg{at: t0.Add(5*time.Minute + flashFor + time.Second), gen: m.tickGen})
	if strings.Contains(m.View().Content, "stop redis") {
		t.Error("the outcome stays in the footer for good")
	}
	m.sel = itemKey{kind: foldKind, name: "repos"}
	if cmd := press(m, "r"); cmd != nil {
		t.Error("r on the repos line did something")
	}
	if !strings.Contains(m.View().Content, "select a worker or an infra") {
		t.Error("r on the repos line says nothing")
	}
}

func TestTickRate(t *testing.T) {
	m := newTestModel(t, testOptions(), &fakeController{}, 80, 24)
	m.Init()
	feed(m, 12*time.Second, midBoot()...)
	frame := m.frame
	m.Update(tickMsg{at: t0.Add(13 * time.Second), gen: m.tickGen})
	if !m.tickFast || m.frame != frame+1 {
		t.Errorf("busy: fast %v, frame %d -> %d", m.tickFast, frame, m.frame)
	}
	m = newTestModel(t, testOptions(), &fakeController{}, 80, 24)
	m.Init()
	feed(m, 5*time.Minute, finished()...)
	m.Update(tickMsg{at: t0.Add(5 * time.Minute), gen: m.tickGen})
	if m.tickFast {
		t.Error("an idle board still ticks ten times a second")
	}
	gen := m.tickGen
	m.Update(tickMsg{at: t0.Add(6 * time.Minute), gen: gen - 1})
	if m.tickGen != gen {
		t.Error("a stale tick chain re-armed")
	}
	// Work starting again brings the fast tick back at once.
	feed(m, 6*time.Minute, event.Event{Kind: event.Worker, Name: "billing", Phase: event.Restarting})
	if !m.tickFast || m.tickGen == gen {
		t.Error("work began but the tick stayed slow")
	}
}

func TestColourOnlyWhenAsked(t *testing.T) {
	m := newTestModel(t, testOptions(), &fakeController{}, 80, 24)
	feed(m, 12*time.Second, midBoot()...)
	if v := m.View().Content; strings.Contains(v, "\x1b") {
		t.Errorf("NoColor view has escape codes: %q", v[:200])
	}
	opts := testOptions()
	opts.NoColor = false
	m = newTestModel(t, opts, &fakeController{}, 80, 24)
	feed(m, 12*time.Second, midBoot()...)
	v := m.View().Content
	if !strings.Contains(v, "\x1b[") {
		t.Error("colour view has no colour")
	}
	if ansi.Strip(v) == v {
		t.Error("strip changed nothing")
	}
}

func TestResizeRedraws(t *testing.T) {
	m := newTestModel(t, testOptions(), &fakeController{}, 80, 24)
	feed(m, 5*time.Minute, finished()...)
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 48})
	checkFits(t, m.View().Content, 160, 48)
	if lines := strings.Split(m.View().Content, "\n"); len(lines) != 48 || !strings.HasSuffix(lines[0], " 5m") {
		t.Errorf("after resize: %d lines, first %q", len(lines), lines[0])
	}
}
