package manifest

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// parse parses src, failing the test on any error.
func parse(t *testing.T, src string, opts Options) *Manifest {
	t.Helper()
	m, err := Parse([]byte(src), filepath.Join(t.TempDir(), "crispify.yaml"), opts)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return m
}

func TestLoadFullManifest(t *testing.T) {
	m, err := Load("testdata/full.yaml", Options{Home: "/home/dev"})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	abs, _ := filepath.Abs("testdata/full.yaml")
	if m.File != abs || m.Dir != filepath.Dir(abs) {
		t.Errorf("File, Dir = %q, %q; want %q and its folder", m.File, m.Dir, abs)
	}
	if want := filepath.FromSlash("/home/dev/crisp"); m.WorkspaceDir != want {
		t.Errorf("WorkspaceDir = %q, want %q", m.WorkspaceDir, want)
	}
	if got, want := m.InfraNames(), []string{"rabbitmq", "mongodb"}; !reflect.DeepEqual(got, want) {
		t.Errorf("InfraNames = %q, want %q", got, want)
	}
	if got, want := m.ServiceNames(), []string{"api", "billing", "mailer"}; !reflect.DeepEqual(got, want) {
		t.Errorf("ServiceNames = %q, want %q", got, want)
	}

	rabbit := m.Infra["rabbitmq"]
	wantRabbit := &Infra{
		Name:  "rabbitmq",
		Image: "rabbitmq:3.13-management",
		Ports: []Port{
			{HostIP: "127.0.0.1", Host: 5672, Container: 5672, Proto: "tcp", Source: "5672:5672"},
			{HostIP: "127.0.0.1", Host: 15672, Container: 15672, Proto: "tcp", Source: "15672:15672"},
		},
		Env:     map[string]string{"RABBITMQ_DEFAULT_USER": "crisp", "RABBITMQ_DEFAULT_PASS": "crisp"},
		Volumes: []Volume{{Name: "data", Target: "/var/lib/rabbitmq", Source: "data:/var/lib/rabbitmq"}},
		Command: []string{},
		Health: &Health{
			Cmd:      []string{"rabbitmq-diagnostics", "-q", "ping"},
			Interval: Duration(2 * time.Second), Timeout: Duration(5 * time.Second), Retries: 60,
		},
		Needs: []string{},
		Ready: &InfraReady{AMQP: 5672},
		Sick:  &Sick{CPU: DefaultSickCPU, Slow: DefaultSickSlow},
	}
	if !reflect.DeepEqual(rabbit, wantRabbit) {
		t.Errorf("rabbitmq =\n%+v\nwant\n%+v", rabbit, wantRabbit)
	}

	mongo := m.Infra["mongodb"]
	if r := mongo.Ready; r == nil || !r.Off {
		t.Errorf("mongodb ready = %+v, want off (ready: false)", r)
	}
	if h := mongo.Health; !h.Shell || len(h.Cmd) != 1 || !strings.HasPrefix(h.Cmd[0], "mongosh") {
		t.Errorf("mongodb health = %+v, want shell form", h)
	}
	if v := mongo.Volumes[1]; v.Bind != filepath.Join(m.Dir, "init") || !v.ReadOnly || v.Target != "/docker-entrypoint-initdb.d" {
		t.Errorf("mongodb bind = %+v, want %s read-only", v, filepath.Join(m.Dir, "init"))
	}

	api := m.Services["api"]
	wantAPI := &Service{
		Name:      "api",
		Repo:      "git@gitlab.com:crisp/api.git",
		Branch:    "master",
		Path:      "api",
		Setup:     []string{"npm ci"},
		SetupWhen: []string{"package-lock.json"},
		Run:       "node server.js",
		Env:       map[string]string{"AMQP_URL": "amqp://crisp:crisp@${CRISPIFY_HOST}:5672"},
		EnvFile:   ".env",
		Needs:     []string{"rabbitmq", "mongodb"},
		Ready:     &Ready{TCP: 8080, Timeout: Duration(60 * time.Second)},
		Replicas:  1,
		Restart:   RestartOnFailure,
		Profiles:  []string{"messaging"},
		Tools:     &Tools{Node: ">=20", Go: "1.26"},
		Sick:      &Sick{CPU: DefaultSickCPU, Slow: DefaultSickSlow},
		Dir:       filepath.Join(m.WorkspaceDir, "api"),
	}
	if !reflect.DeepEqual(api, wantAPI) {
		t.Errorf("api =\n%+v\nwant\n%+v", api, wantAPI)
	}

	billing := m.Services["billing"]
	if want := map[string]string{"PORT": "8081", "DEBUG": "true", "RATIO": "1.50"}; !reflect.DeepEqual(billing.Env, want) {
		t.Errorf("billing env = %q, want scalars as written: %q", billing.Env, want)
	}
	if !reflect.DeepEqual(billing.Setup, []string{"pip install -r requirements.txt"}) {
		t.Errorf("billing setup = %q, want the one string as a list", billing.Setup)
	}
	if billing.Dir != filepath.Join(m.WorkspaceDir, "workers", "billing") || billing.Branch != "main" {
		t.Errorf("billing Dir, Branch = %q, %q", billing.Dir, billing.Branch)
	}
	if billing.Ready.Timeout.D() != 2*time.Minute || billing.Replicas != 2 || billing.Restart != RestartAlways {
		t.Errorf("billing = %+v", billing)
	}
	wantWatch := &Watch{Paths: []string{"billing", "requirements.txt"}, Ignore: []string{"*.log", "!keep.log"}, Debounce: Duration(500 * time.Millisecond)}
	if !reflect.DeepEqual(billing.Watch, wantWatch) {
		t.Errorf("billing watch = %+v, want %+v", billing.Watch, wantWatch)
	}
	if got, want := billing.Tools.Wanted(), [][2]string{{"ruby", "~> 3.2"}, {"python", "3.12"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("billing tools = %q, want %q", got, want)
	}
	if got := m.Services["mailer"].Ready.Log; got != `ready in \d+ms` {
		t.Errorf("mailer ready.log = %q", got)
	}
}

// The example of docs/design.md needs mongodb without declaring it: the loader
// must say so, and nothing else.
func TestLoadDesignExample(t *testing.T) {
	_, err := Load("testdata/design.yaml", Options{Home: "/home/dev"})
	want := `testdata/design.yaml:32:23: service "api" needs unknown "mongodb" (known infra: rabbitmq; services: api)`
	if err == nil || err.Error() != want {
		t.Errorf("Load = %v, want %s", err, want)
	}
}

func TestLoadMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "crispify.yaml")
	_, err := Load(path, Options{})
	if err == nil {
		t.Fatal("Load of a missing file succeeded")
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("error %v does not wrap fs.ErrNotExist", err)
	}
	var errs Errors
	if errors.As(err, &errs) {
		t.Errorf("a read error is not a manifest mistake, got Errors")
	}
	want := "read manifest " + path + ": no such file or directory: create one or pass -f"
	if err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
}

func TestDefaults(t *testing.T) {
	m := parse(t, doc(
		"version: 1",
		"project: p",
		"infra:",
		"  redis:",
		"    image: redis:7",
		"    health: {cmd: [CMD, redis-cli, ping]}",
		"  cache:",
		"    image: c",
		"    health: {cmd: [CMD-SHELL, 'exit 0'], interval: 500ms, retries: 3, start_period: 1m}",
		"services:",
		"  api:",
		"    repo: r",
		"    ready: {tcp: 80}",
		"    replicas:", // null: as if not written
	), Options{Home: "/home/dev"})
	if m.Defaults.Branch != DefaultBranch {
		t.Errorf("defaults.branch = %q", m.Defaults.Branch)
	}
	wantHealth := &Health{Cmd: []string{"redis-cli", "ping"}, Interval: DefaultHealthInterval, Timeout: DefaultHealthTimeout, Retries: DefaultHealthRetries}
	if h := m.Infra["redis"].Health; !reflect.DeepEqual(h, wantHealth) {
		t.Errorf("redis health = %+v, want %+v", h, wantHealth)
	}
	wantHealth = &Health{Cmd: []string{"exit 0"}, Shell: true, Interval: Duration(500 * time.Millisecond), Timeout: DefaultHealthTimeout, Retries: 3, StartPeriod: Duration(time.Minute)}
	if h := m.Infra["cache"].Health; !reflect.DeepEqual(h, wantHealth) {
		t.Errorf("cache health = %+v, want %+v", h, wantHealth)
	}
	api := m.Services["api"]
	if api.Branch != DefaultBranch || api.Path != "api" || api.Replicas != DefaultReplicas || api.Restart != DefaultRestart || api.Ready.Timeout != DefaultReadyTimeout {
		t.Errorf("api = %+v, want defaults", api)
	}
	if api.Dir != filepath.Join(m.Dir, "api") {
		t.Errorf("api.Dir = %q, want beside the manifest (no workspace given)", api.Dir)
	}
	if m.Infra["redis"].Name != "redis" || api.Name != "api" {
		t.Errorf("names not set")
	}
}

func TestServiceBranchInheritsDefaults(t *testing.T) {
	m := parse(t, doc("version: 1", "project: p", "defaults: {branch: develop}", "services:", "  a: {repo: r}", "  b: {repo: r, branch: main}"), Options{})
	if m.Services["a"].Branch != "develop" || m.Services["b"].Branch != "main" {
		t.Errorf("branches = %q, %q; want develop, main", m.Services["a"].Branch, m.Services["b"].Branch)
	}
}

func TestWorkspace(t *testing.T) {
	cwd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	home := filepath.FromSlash("/home/dev")
	tests := []struct {
		name      string
		workspace string // in the manifest; "" for none
		override  string
		want      func(manifestDir string) string
	}{
		{"none: the manifest's folder", "", "", func(d string) string { return d }},
		{"tilde", "~/crisp", "", func(string) string { return filepath.Join(home, "crisp") }},
		{"tilde alone", "~", "", func(string) string { return home }},
		{"relative to the manifest", "../repos", "", func(d string) string { return filepath.Join(filepath.Dir(d), "repos") }},
		{"absolute", "/srv/crisp", "", func(string) string { return filepath.FromSlash("/srv/crisp") }},
		{"override wins", "~/crisp", "/tmp/ws", func(string) string { return filepath.FromSlash("/tmp/ws") }},
		{"relative override is relative to the current folder", "~/crisp", "ws", func(string) string { return filepath.Join(cwd, "ws") }},
		{"override with tilde", "", "~/other", func(string) string { return filepath.Join(home, "other") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := doc("version: 1", "project: p")
			if tt.workspace != "" {
				src += "workspace: " + tt.workspace + "\n"
			}
			src += doc("services:", "  api: {repo: r}")
			m := parse(t, src, Options{Workspace: tt.override, Home: home})
			want := tt.want(m.Dir)
			if m.WorkspaceDir != want {
				t.Errorf("WorkspaceDir = %q, want %q", m.WorkspaceDir, want)
			}
			if m.Services["api"].Dir != filepath.Join(want, "api") {
				t.Errorf("api.Dir = %q, want under %q", m.Services["api"].Dir, want)
			}
		})
	}
}

func TestWorkspaceMistakes(t *testing.T) {
	src := doc("version: 1", "project: p", "workspace: ~bob/crisp")
	_, err := Parse([]byte(src), "m.yaml", Options{Home: "/home/dev"})
	want := `m.yaml:3:12: workspace: "~bob/crisp": ~user is not supported, write the full path`
	if err == nil || err.Error() != want {
		t.Errorf("err = %v, want %s", err, want)
	}
	src = doc("version: 1", "project: p", `workspace: ""`)
	_, err = Parse([]byte(src), "m.yaml", Options{Home: "/home/dev"})
	want = `m.yaml:3:12: workspace is empty: remove the key to use the manifest's folder`
	if err == nil || err.Error() != want {
		t.Errorf("err = %v, want %s", err, want)
	}
	// A bad override is bad usage, not a manifest mistake.
	_, err = Parse([]byte(doc("version: 1", "project: p")), "m.yaml", Options{Workspace: "~bob", Home: "/home/dev"})
	var errs Errors
	if err == nil || errors.As(err, &errs) {
		t.Errorf("override ~bob: err = %v, want a plain error", err)
	}
}

func TestYAMLFeatures(t *testing.T) {
	m := parse(t, doc(
		`version: "1"`,
		"project: p",
		"x-env: &env {LOG: debug, TZ: UTC}",
		"x-worker: &worker",
		"  restart: always",
		"  env: *env",
		"services:",
		"  api:",
		"    <<: *worker",
		"    repo: r",
		"    restart: never", // written beside the merge: wins
		"  web:",
		"    <<: [*worker]",
		"    repo: r",
	), Options{})
	if m.Version != 1 {
		t.Errorf("version = %d", m.Version)
	}
	if api := m.Services["api"]; api.Restart != RestartNever || api.Env["TZ"] != "UTC" {
		t.Errorf("api = %+v, want merged env and its own restart", api)
	}
	if web := m.Services["web"]; web.Restart != RestartAlways || web.Env["LOG"] != "debug" {
		t.Errorf("web = %+v, want merged restart and env", web)
	}
}
