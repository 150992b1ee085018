package stack

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crispify/crispify/internal/docker"
	"github.com/crispify/crispify/internal/docker/dockerfake"
	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/manifest"
	"github.com/crispify/crispify/internal/repos"
	"github.com/crispify/crispify/internal/workers"
)

// fakeRunner is the workers' supervisor without processes: it records
// what the apply asked of it.
type fakeRunner struct {
	mu      sync.Mutex
	running map[string]workers.Spec
	calls   []string
	fail    map[string]error
}

func newFakeRunner() *fakeRunner {
	return &fakeRunner{running: map[string]workers.Spec{}, fail: map[string]error{}}
}

func (f *fakeRunner) Start(ctx context.Context, spec workers.Spec) error {
	return f.do("start "+spec.Name, spec)
}

func (f *fakeRunner) Replace(ctx context.Context, spec workers.Spec, why string) error {
	return f.do("restart "+spec.Name+" ("+why+")", spec)
}

func (f *fakeRunner) do(call string, spec workers.Spec) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, call)
	if err := f.fail[spec.Name]; err != nil {
		return err
	}
	f.running[spec.Name] = spec
	return nil
}

func (f *fakeRunner) Running(name string) (workers.Spec, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.running[name]
	return s, ok
}

func (f *fakeRunner) Status() []workers.Status {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []workers.Status
	for name := range f.running {
		out = append(out, workers.Status{Name: name, State: event.Ready, PIDs: []int{100}})
	}
	return out
}

func (f *fakeRunner) took() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := slices.Clone(f.calls)
	f.calls = nil
	slices.Sort(out)
	return out
}

// fakeRepos are repos whose HEADs the test moves.
type fakeRepos struct {
	mu     sync.Mutex
	heads  map[string]string // by dir
	failed map[string]bool   // by service
	setups map[string]workers.SetupRun
	broken map[string]bool // by service: its setup fails
}

const applyManifest = `version: 1
project: applytest
infra:
  redis:
    image: redis:7
    health: {cmd: ["redis-cli", "ping"]}
services:
  api:
    repo: file:///remotes/api.git
    setup: ["npm ci"]
    setup_when: [package-lock.json]
    run: node server.js
    env: {REDIS: "${CRISPIFY_HOST}:6379", MODE: dev}
    needs: [redis]
  mailer:
    repo: file:///remotes/mailer.git
    run: ./mailer
    needs: [api]
  docs:
    repo: file:///remotes/docs.git
`

// newTestApply plans an apply of text on fakes: the Docker fake, a runner
// without processes and repos whose HEADs the test sets.
func newTestApply(t *testing.T, ws, text string, names []string, run *fakeRunner, rs *fakeRepos, recs *records) (*apply, *events) {
	t.Helper()
	t.Setenv("XDG_CACHE_HOME", t.TempDir()) // the infra lock
	m, err := manifest.Parse([]byte(text), "crispify.yaml", manifest.Options{Workspace: ws})
	if err != nil {
		t.Fatal(err)
	}
	sel, err := Select(m, names, "")
	if err != nil {
		t.Fatal(err)
	}
	fake := dockerfake.New()
	fake.AddImage("redis:7", dockerfake.Image{ID: "sha256:redis"})
	ev := &events{}
	a := &apply{
		m: m, sel: sel, mode: Local, runner: run, records: recs, sink: ev,
		project:  docker.NewProject(docker.ProjectOptions{Engine: fake, Manifest: m, Sink: ev, HealthTimeout: 5 * time.Second}),
		base:     []string{"HOME=/home/dev"},
		builtins: map[string]string{"CRISPIFY_HOST": "127.0.0.1", "CRISPIFY_PROJECT": m.Project, "CRISPIFY_WORKSPACE": m.WorkspaceDir},
		heads:    map[string]string{}, setups: map[string]workers.SetupRun{},
		sync: func(ctx context.Context, s repos.Spec, _ repos.Options, sink event.Sink) repos.Result {
			rs.mu.Lock()
			defer rs.mu.Unlock()
			if rs.failed[s.Name] {
				err := errors.New("clone " + s.Name + ": repository not found")
				sink.Emit(event.Event{Kind: event.Repo, Name: s.Name, Phase: event.Failed, Error: err.Error()})
				return repos.Result{Name: s.Name, Phase: event.Failed, Err: err}
			}
			sink.Emit(event.Event{Kind: event.Repo, Name: s.Name, Phase: event.Unchanged})
			return repos.Result{Name: s.Name, Phase: event.Unchanged}
		},
		setup: func(ctx context.Context, _ string, s workers.Setup, sink event.Sink) (workers.SetupRun, error) {
			rs.mu.Lock()
			defer rs.mu.Unlock()
			run := rs.setups[s.Name]
			if rs.broken[s.Name] {
				err := errors.New("setup " + s.Name + ": `npm ci` exited with code 1")
				sink.Emit(event.Event{Kind: event.Setup, Name: s.Name, Phase: event.Failed, Error: err.Error()})
				return run, err
			}
			if run.Ran && s.Before != nil { // as workers.RunSetup: only a setup that runs
				if err := s.Before(ctx); err != nil {
					sink.Emit(event.Event{Kind: event.Setup, Name: s.Name, Phase: event.Failed, Error: err.Error()})
					return workers.SetupRun{}, err
				}
			}
			sink.Emit(event.Event{Kind: event.Setup, Name: s.Name, Phase: event.Done})
			return run, nil
		},
		head: func(dir string) (string, error) {
			rs.mu.Lock()
			defer rs.mu.Unlock()
			return rs.heads[dir], nil
		},
		moved: func(ctx context.Context, dir, from, to string) string { return "3 new commits" },
	}
	return a, ev
}

func runApply(t *testing.T, a *apply) error {
	t.Helper()
	g := a.graph()
	out, err := g.Run(context.Background(), a.sink)
	a.project.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	return out.Err(g)
}

func TestApplyStartsRestartsWhatChangedAndLeavesTheRest(t *testing.T) {
	run, recs, ws := newFakeRunner(), newRecords(), t.TempDir()
	rs := &fakeRepos{heads: map[string]string{}, failed: map[string]bool{}, setups: map[string]workers.SetupRun{}}
	a, _ := newTestApply(t, ws, applyManifest, nil, run, rs, recs)
	for _, name := range []string{"api", "mailer", "docs"} {
		rs.heads[a.m.Services[name].Dir] = "aaa"
	}
	rs.setups["api"] = workers.SetupRun{Ran: true, Why: "first setup here"}
	if err := runApply(t, a); err != nil {
		t.Fatal(err)
	}
	if got := run.took(); !slices.Equal(got, []string{"start api", "start mailer"}) {
		t.Fatalf("first apply: %q", got)
	}

	// Nothing changed: nothing is touched, and each worker says so.
	rs.setups["api"] = workers.SetupRun{}
	a, ev := newTestApply(t, ws, applyManifest, nil, run, rs, recs)
	if err := runApply(t, a); err != nil {
		t.Fatal(err)
	}
	if got := run.took(); len(got) != 0 {
		t.Errorf("an apply with nothing new did %q", got)
	}
	if e := ev.last(event.Worker, "mailer"); e.Phase != event.Ready || e.Msg != "unchanged" {
		t.Errorf("mailer's last event: %+v", e)
	}

	// mailer's repo moved; api's setup re-ran: those two restart, each
	// saying why, and mailer waits for api to be up again.
	rs.heads[a.m.Services["mailer"].Dir] = "bbb"
	rs.setups["api"] = workers.SetupRun{Ran: true, Why: "package-lock.json changed"}
	a, _ = newTestApply(t, ws, applyManifest, nil, run, rs, recs)
	if err := runApply(t, a); err != nil {
		t.Fatal(err)
	}
	want := []string{"restart api (setup re-ran: package-lock.json changed)", "restart mailer (3 new commits)"}
	if got := run.took(); !slices.Equal(got, want) {
		t.Errorf("apply: %q, want %q", got, want)
	}

	// An env change in the manifest restarts only its worker.
	rs.setups["api"] = workers.SetupRun{}
	changed := strings.Replace(applyManifest, "MODE: dev", "MODE: prod", 1)
	a, _ = newTestApply(t, ws, changed, nil, run, rs, recs)
	if err := runApply(t, a); err != nil {
		t.Fatal(err)
	}
	if got := run.took(); !slices.Equal(got, []string{"restart api (env changed)"}) {
		t.Errorf("env change: %q", got)
	}
}

// A start says why, as a restart does: api, stopped by hand, is started
// again by the next apply, and its summary line must not be bare.
func TestApplyStartSaysWhy(t *testing.T) {
	run, recs, ws := newFakeRunner(), newRecords(), t.TempDir()
	rs := &fakeRepos{heads: map[string]string{}, failed: map[string]bool{}, setups: map[string]workers.SetupRun{}}
	a, _ := newTestApply(t, ws, applyManifest, nil, run, rs, recs)
	if err := runApply(t, a); err != nil {
		t.Fatal(err)
	}
	run.took()
	run.mu.Lock()
	delete(run.running, "api") // s on the board
	run.mu.Unlock()
	a, _ = newTestApply(t, ws, applyManifest, nil, run, rs, recs)
	if err := runApply(t, a); err != nil {
		t.Fatal(err)
	}
	if got := run.took(); !slices.Equal(got, []string{"start api"}) {
		t.Fatalf("apply after a stop: %q", got)
	}
	if spec, _ := run.Running("api"); spec.Why != "it was not running" {
		t.Errorf("api was started saying %q, want \"it was not running\"", spec.Why)
	}
}

func TestApplyOfOneNameTouchesOnlyItAndWhatItNeeds(t *testing.T) {
	run, recs, ws := newFakeRunner(), newRecords(), t.TempDir()
	rs := &fakeRepos{heads: map[string]string{}, failed: map[string]bool{}, setups: map[string]workers.SetupRun{}}
	a, _ := newTestApply(t, ws, applyManifest, []string{"api"}, run, rs, recs)
	if err := runApply(t, a); err != nil {
		t.Fatal(err)
	}
	if got := run.took(); !slices.Equal(got, []string{"start api"}) {
		t.Errorf("crispify run api: %q", got)
	}
	if got := a.sel.Services; !slices.Equal(got, []string{"api"}) {
		t.Errorf("selection %q", got)
	}
	if !slices.Equal(a.sel.Infra, []string{"redis"}) {
		t.Errorf("infra of api: %q", a.sel.Infra)
	}
}

// A worker whose repo failed is not restarted; one that runs keeps
// running, and its row says so rather than "failed".
func TestAFailedRepoLeavesARunningWorkerRunning(t *testing.T) {
	run, recs, ws := newFakeRunner(), newRecords(), t.TempDir()
	rs := &fakeRepos{heads: map[string]string{}, failed: map[string]bool{}, setups: map[string]workers.SetupRun{}}
	a, _ := newTestApply(t, ws, applyManifest, nil, run, rs, recs)
	if err := runApply(t, a); err != nil {
		t.Fatal(err)
	}
	run.took()
	rs.failed["mailer"] = true
	a, ev := newTestApply(t, ws, applyManifest, nil, run, rs, recs)
	err := runApply(t, a)
	if err == nil || !strings.Contains(err.Error(), "repository not found") {
		t.Fatalf("apply with a failing repo: %v", err)
	}
	if got := run.took(); len(got) != 0 {
		t.Errorf("a failing repo's worker was touched: %q", got)
	}
	e := ev.last(event.Worker, "mailer")
	if e.Phase != event.Ready || !strings.Contains(e.Msg, "not restarted: it needs mailer, which failed; the running one goes on") {
		t.Errorf("mailer's last event: %+v", e)
	}
}

// A setup that fails leaves the worker of the build before it running, and
// its row says so.
func TestAFailedSetupLeavesThePreviousBuildRunningAndSaysSo(t *testing.T) {
	run, recs, ws := newFakeRunner(), newRecords(), t.TempDir()
	rs := &fakeRepos{heads: map[string]string{}, failed: map[string]bool{}, setups: map[string]workers.SetupRun{}, broken: map[string]bool{}}
	a, _ := newTestApply(t, ws, applyManifest, nil, run, rs, recs)
	if err := runApply(t, a); err != nil {
		t.Fatal(err)
	}
	run.took()
	rs.broken["api"] = true
	a, ev := newTestApply(t, ws, applyManifest, nil, run, rs, recs)
	if err := runApply(t, a); err == nil {
		t.Fatal("an apply whose setup failed did not fail")
	}
	if got := run.took(); len(got) != 0 {
		t.Errorf("a worker whose setup failed was touched: %q", got)
	}
	if e := ev.last(event.Worker, "api"); e.Phase != event.Ready || !strings.HasPrefix(e.Msg, "runs the previous build: its setup failed") {
		t.Errorf("api's last event: %+v", e)
	}
}

func TestApplyOrdersItsSummaryAsTheManifest(t *testing.T) {
	a, _ := newTestApply(t, t.TempDir(), applyManifest, nil, newFakeRunner(), &fakeRepos{heads: map[string]string{}}, newRecords())
	settled := []event.Event{
		{Kind: event.Worker, Name: "mailer"}, {Kind: event.Repo, Name: "docs"}, {Kind: event.Setup, Name: "api"},
		{Kind: event.Repo, Name: "mailer"}, {Kind: event.Infra, Name: "redis"}, {Kind: event.Worker, Name: "api"}, {Kind: event.Repo, Name: "api"},
	}
	var got []string
	for _, e := range a.ordered(settled) {
		got = append(got, string(e.Kind)+" "+e.Name)
	}
	want := []string{"infra redis", "repo api", "setup api", "worker api", "repo mailer", "worker mailer", "repo docs"}
	if !slices.Equal(got, want) {
		t.Errorf("order %q, want %q", got, want)
	}
}

// The toolchain is probed before what runs: a setup that runs, a worker
// that starts or restarts. An update that leaves a service alone starts no
// version probe for it; a wrong tool fails its worker before it starts.
func TestToolsAreCheckedOnlyForWhatRunsOrStarts(t *testing.T) {
	run, recs, ws := newFakeRunner(), newRecords(), t.TempDir()
	rs := &fakeRepos{heads: map[string]string{}, failed: map[string]bool{}, setups: map[string]workers.SetupRun{}}
	var mu sync.Mutex
	var checked []string
	broken := map[string]bool{}
	plan := func(text string) (*apply, *events) {
		a, ev := newTestApply(t, ws, text, nil, run, rs, recs)
		a.tools = func(_ context.Context, _ *manifest.Manifest, s *manifest.Service, _ []string) error {
			mu.Lock()
			defer mu.Unlock()
			checked = append(checked, s.Name)
			if broken[s.Name] {
				return errors.New("service " + s.Name + " wants node 20, found node 18")
			}
			return nil
		}
		return a, ev
	}
	took := func() []string {
		mu.Lock()
		defer mu.Unlock()
		out := slices.Clone(checked)
		slices.Sort(out)
		checked = nil
		return out
	}
	rs.setups["api"] = workers.SetupRun{Ran: true, Why: "first setup here"}
	a, _ := plan(applyManifest)
	for _, name := range []string{"api", "mailer", "docs"} {
		rs.heads[a.m.Services[name].Dir] = "aaa"
	}
	if err := runApply(t, a); err != nil {
		t.Fatal(err)
	}
	if got := took(); !slices.Equal(got, []string{"api", "mailer"}) {
		t.Errorf("first boot checked the tools of %q, want api (before its setup) and mailer (before it starts)", got)
	}

	rs.setups["api"] = workers.SetupRun{}
	a, _ = plan(applyManifest)
	if err := runApply(t, a); err != nil {
		t.Fatal(err)
	}
	if got := took(); len(got) != 0 {
		t.Errorf("an update with nothing new checked the tools of %q", got)
	}

	// api restarts with its setup unchanged: its worker step checks.
	a, _ = plan(strings.Replace(applyManifest, "MODE: dev", "MODE: prod", 1))
	if err := runApply(t, a); err != nil {
		t.Fatal(err)
	}
	if got := took(); !slices.Equal(got, []string{"api"}) {
		t.Errorf("a restart of api with its setup unchanged checked the tools of %q, want api", got)
	}

	// mailer moved, and its node is now wrong: it is not restarted.
	run.took() // what the applies above did
	broken["mailer"] = true
	rs.heads[a.m.Services["mailer"].Dir] = "bbb"
	a, ev := plan(strings.Replace(applyManifest, "MODE: dev", "MODE: prod", 1))
	if err := runApply(t, a); err == nil {
		t.Error("the apply did not fail, though mailer's tools are wrong")
	}
	if got := run.took(); slices.ContainsFunc(got, func(s string) bool { return strings.Contains(s, "mailer") }) {
		t.Errorf("mailer was touched although its tools are wrong: %q", got)
	}
	if e := ev.last(event.Worker, "mailer"); e.Phase != event.Failed || !strings.Contains(e.Error, "wants node 20, found node 18") {
		t.Errorf("mailer's last event: %+v, want failed with the tool's words", e)
	}
}
