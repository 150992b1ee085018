package tui

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/crispify/crispify/internal/event"
)

// t0 is when every test stack starts, so that elapsed times and uptimes in
// the goldens never change.
var t0 = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

// The test stack: forty repos, six infra, ten workers, as a company the
// issue describes would have.
var (
	repoNames = []string{
		"api", "auth", "billing", "mailer", "notifier", "search-indexer", "image-resizer", "pdf-renderer",
		"invoice-sync", "crm-bridge", "ledger", "payments-gateway", "reports", "scheduler", "webhooks",
		"audit-log", "catalog", "inventory", "pricing", "recommendations", "geo", "sms-sender", "push",
		"export-csv", "import-xml", "thumbnailer", "sitemap", "feeds", "analytics-collector", "sessions",
		"tenant-admin", "quota", "rate-limiter", "backup-runner", "cleanup", "translations", "ocr",
		"fraud-check", "loyalty", "legacy-soap-adapter",
	}
	infraNames  = []string{"rabbitmq", "mongodb", "mysql", "redis", "ssdb", "elasticsearch"}
	workerNames = []string{"api", "auth", "billing", "mailer", "notifier", "search-indexer",
		"image-resizer", "pdf-renderer", "invoice-sync", "crm-bridge"}
	images = map[string][]string{
		"rabbitmq:3.13-management": {"rabbitmq"},
		"mongo:7.0":                {"mongodb"},
		"mariadb:11.4":             {"mysql"},
		"redis:7.4":                {"redis"},
		"leobuskin/ssdb-docker":    {"ssdb"},
		"elasticsearch:8.15.0":     {"elasticsearch"},
	}
	infraPorts = map[string][]string{
		"rabbitmq":      {"127.0.0.1:5672->5672/tcp", "127.0.0.1:15672->15672/tcp"},
		"mongodb":       {"127.0.0.1:27017->27017/tcp"},
		"mysql":         {"127.0.0.1:3306->3306/tcp"},
		"redis":         {"127.0.0.1:6379->6379/tcp"},
		"ssdb":          {"127.0.0.1:8888->8888/tcp"},
		"elasticsearch": {"127.0.0.1:9200->9200/tcp"},
	}
)

func testOptions() Options {
	return Options{
		Title: "crisp", Endpoint: "unix:///var/run/docker.sock", Board: true, NoColor: true,
		Repos: repoNames, Infra: infraNames, Workers: workerNames, Images: images,
	}
}

// at builds an event stamped d after t0.
func at(d time.Duration, e event.Event) event.Event {
	e.TS = t0.Add(d)
	return e
}

func pct(p float64) *float64 { return event.Fraction(p) }
func code(c int) *int        { return &c }

// newTestModel returns a model of the given size that no program runs: the
// tests call Update themselves.
func newTestModel(t testing.TB, opts Options, ctrl Controller, w, h int) *model {
	t.Helper()
	m := newModel(context.Background(), nil, ctrl, opts, t0)
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	return m
}

// feed gives the model one batch, received d after t0.
func feed(m *model, d time.Duration, events ...event.Event) tea.Cmd {
	for i := range events {
		if events[i].TS.IsZero() {
			events[i].TS = t0.Add(d)
		}
	}
	_, cmd := m.Update(eventsMsg{events: events, at: t0.Add(d)})
	return cmd
}

// midBoot is twelve seconds in: most repos cloned, five cloning, five not
// started; two images pulling; infra starting and waiting; a setup running
// and a worker starting.
func midBoot() []event.Event {
	var evs []event.Event
	evs = append(evs, at(0, event.Event{Kind: event.Stack, Phase: event.Started, Msg: "40 repos, 6 infra, 10 workers"}))
	for i, n := range repoNames[:30] {
		phase := event.Cloned
		if i%4 == 3 {
			phase = event.Unchanged
		}
		evs = append(evs, at(time.Duration(i)*200*time.Millisecond, event.Event{Kind: event.Repo, Name: n, Phase: phase}))
	}
	for i, n := range repoNames[30:35] {
		p := []float64{0.12, 0.42, 0.67, 0.88, 0.05}[i]
		evs = append(evs, at(10*time.Second, event.Event{Kind: event.Repo, Name: n, Phase: event.Cloning, Progress: pct(p),
			Msg: fmt.Sprintf("Receiving objects: %2.0f%% (%d/1000)", p*100, int(p*1000))}))
	}
	for ref := range images {
		switch ref {
		case "rabbitmq:3.13-management":
			evs = append(evs, at(2*time.Second, event.Event{Kind: event.Image, Name: ref, Phase: event.Pulling, Progress: pct(0.35), Msg: "Downloading"}))
		case "elasticsearch:8.15.0":
			evs = append(evs, at(2*time.Second, event.Event{Kind: event.Image, Name: ref, Phase: event.Pulling, Progress: pct(0.8), Msg: "Extracting"}))
		default:
			evs = append(evs, at(time.Second, event.Event{Kind: event.Image, Name: ref, Phase: event.Present}))
		}
	}
	evs = append(evs,
		at(3*time.Second, event.Event{Kind: event.Infra, Name: "redis", Phase: event.Healthy, Ports: infraPorts["redis"]}),
		at(4*time.Second, event.Event{Kind: event.Infra, Name: "mongodb", Phase: event.Waiting, Msg: "health: starting"}),
		at(5*time.Second, event.Event{Kind: event.Infra, Name: "mysql", Phase: event.Starting}),
		at(6*time.Second, event.Event{Kind: event.Infra, Name: "ssdb", Phase: event.Creating, Msg: "leobuskin/ssdb-docker"}),
		at(7*time.Second, event.Event{Kind: event.Setup, Name: "api", Phase: event.Running, Msg: "npm ci"}),
		at(8*time.Second, event.Event{Kind: event.Setup, Name: "api", Phase: event.Running, Line: "added 1312 packages in 9s"}),
		at(9*time.Second, event.Event{Kind: event.Worker, Name: "auth", Phase: event.Starting, PID: 4100}),
	)
	return evs
}

// gitStates are the repos of the test stack that are not simply on master,
// clean and level with origin: what a developer's laptop has on a Monday.
var gitStates = map[string]event.Git{
	"api":    {Branch: "master", Want: "master", Upstream: "origin/master", Ahead: 1, Dirty: 3, Untracked: 2},
	"auth":   {Branch: "feature/sso", Want: "master"},
	"ledger": {Branch: "master", Want: "master", Upstream: "origin/master", Behind: 2},
	"geo":    {Head: "8f3e2a1c0d9b7e6f5a4b3c2d1e0f9a8b7c6d5e4f", Want: "master"},
}

// gitOf is the git state of a repo of the test stack.
func gitOf(name string) *event.Git {
	g, ok := gitStates[name]
	if !ok {
		g = event.Git{Branch: "master", Want: "master", Upstream: "origin/master"}
	}
	return &g
}

// finished is a booted stack five minutes in: every repo cloned (four of
// them with work or elsewhere), every infra healthy, nine workers ready and
// one failed after its restarts.
func finished() []event.Event {
	var evs []event.Event
	evs = append(evs, at(0, event.Event{Kind: event.Stack, Phase: event.Started}))
	for i, n := range repoNames {
		evs = append(evs, at(time.Duration(i)*500*time.Millisecond, event.Event{Kind: event.Repo, Name: n, Phase: event.Cloned, Git: gitOf(n)}))
	}
	for ref := range images {
		evs = append(evs, at(time.Second, event.Event{Kind: event.Image, Name: ref, Phase: event.Pulled}))
	}
	for i, n := range infraNames {
		evs = append(evs, at(time.Duration(20+i)*time.Second, event.Event{Kind: event.Infra, Name: n, Phase: event.Healthy, Ports: infraPorts[n]}))
	}
	for i, n := range workerNames {
		if n == "billing" {
			continue
		}
		evs = append(evs, at(time.Duration(40+i)*time.Second, event.Event{Kind: event.Worker, Name: n, Phase: event.Ready,
			PID: 4100 + i, Ports: []string{fmt.Sprint(8080 + i)}, Msg: "listening on :" + fmt.Sprint(8080+i)}))
	}
	evs = append(evs,
		at(50*time.Second, event.Event{Kind: event.Worker, Name: "billing", Phase: event.Starting, PID: 4300}),
		at(51*time.Second, event.Event{Kind: event.Worker, Name: "billing", Phase: event.Running, PID: 4300,
			Line: "Error: connect ECONNREFUSED 127.0.0.1:3307"}),
		at(79*time.Second, event.Event{Kind: event.Worker, Name: "billing", Phase: event.Failed, Restarts: 5, ExitCode: code(1),
			Error: "billing exited with code 1 after 5 restarts: Error: connect ECONNREFUSED 127.0.0.1:3307 (is DB_PORT right?)\n    at TCPConnectWrap.afterConnect"}),
		at(80*time.Second, event.Event{Kind: event.Stack, Phase: event.Failed,
			Counts: map[event.Phase]int{event.Cloned: 40, event.Healthy: 6, event.Ready: 9, event.Failed: 1}}),
	)
	return evs
}

// fakeController records the intents the screen sends.
type fakeController struct {
	mu       sync.Mutex
	calls    []string
	logLines []string
	quit     func() // run by Quit, e.g. to close the queue
	panicOn  string
}

func (f *fakeController) record(s string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, s)
	if f.panicOn != "" && strings.HasPrefix(s, f.panicOn) {
		panic("fake controller: " + s)
	}
}

func (f *fakeController) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func (f *fakeController) Restart(_ context.Context, kind event.Kind, name string) error {
	f.record("restart " + string(kind) + " " + name)
	return nil
}

func (f *fakeController) Watch(_ context.Context, name string, on bool) error {
	f.record(fmt.Sprintf("watch %s %v", name, on))
	return nil
}

func (f *fakeController) Stop(_ context.Context, kind event.Kind, name string) error {
	f.record("stop " + string(kind) + " " + name)
	return nil
}

func (f *fakeController) Logs(_ context.Context, kind event.Kind, name string, tail int, line func(string)) error {
	f.record(fmt.Sprintf("logs %s %s %d", kind, name, tail))
	for _, l := range f.logLines {
		line(l)
	}
	return nil
}

func (f *fakeController) Quit(context.Context) error {
	f.record("quit")
	if f.quit != nil {
		f.quit()
	}
	return nil
}
