package stack

import (
	"os"
	"testing"

	"github.com/crispify/crispify/internal/manifest"
	"github.com/crispify/crispify/internal/workers"
)

func TestDecide(t *testing.T) {
	base := shape{Run: "./worker", Env: map[string]string{"AMQP_URL": "amqp://127.0.0.1:5672"}, Replicas: 1, Restart: manifest.RestartOnFailure}
	with := func(change func(*shape)) shape {
		s := base
		s.Env = map[string]string{}
		for k, v := range base.Env {
			s.Env[k] = v
		}
		change(&s)
		return s
	}
	was := observed{running: true, known: true, was: applied{shape: base, head: "aaa"}}
	cases := []struct {
		name  string
		want  shape
		head  string
		moved string
		setup workers.SetupRun
		o     observed
		act   action
		why   string
	}{
		{"not running starts", base, "aaa", "", workers.SetupRun{}, observed{}, actStart, ""},
		{"stopped by hand starts", base, "aaa", "", workers.SetupRun{}, observed{known: true, was: was.was}, actStart, ""},
		{"nothing changed is left", base, "aaa", "", workers.SetupRun{}, was, actLeave, "unchanged"},
		{"HEAD moved", base, "bbb", "3 new commits", workers.SetupRun{}, was, actRestart, "3 new commits"},
		{"HEAD moved, how unknown", base, "bbb", "", workers.SetupRun{}, was, actRestart, "HEAD moved"},
		{"setup re-ran", base, "aaa", "", workers.SetupRun{Ran: true, Why: "package-lock.json changed"}, was, actRestart, "setup re-ran: package-lock.json changed"},
		{"env value", with(func(s *shape) { s.Env["AMQP_URL"] = "amqp://127.0.0.1:5673" }), "aaa", "", workers.SetupRun{}, was, actRestart, "env changed"},
		{"env key added", with(func(s *shape) { s.Env["DEBUG"] = "1" }), "aaa", "", workers.SetupRun{}, was, actRestart, "env changed"},
		{"env_file content", with(func(s *shape) { s.EnvFile = "abc" }), "aaa", "", workers.SetupRun{}, was, actRestart, "env_file changed"},
		{"run", with(func(s *shape) { s.Run = "./worker -v" }), "aaa", "", workers.SetupRun{}, was, actRestart, "run changed"},
		{"ready", with(func(s *shape) { s.Ready = manifest.Ready{Log: "consuming"} }), "aaa", "", workers.SetupRun{}, was, actRestart, "ready changed"},
		{"replicas", with(func(s *shape) { s.Replicas = 2 }), "aaa", "", workers.SetupRun{}, was, actRestart, "replicas changed"},
		{"restart policy", with(func(s *shape) { s.Restart = manifest.RestartAlways }), "aaa", "", workers.SetupRun{}, was, actRestart, "restart changed"},
		{"several at once", with(func(s *shape) { s.Run = "./w" }), "bbb", "1 new commit", workers.SetupRun{Ran: true, Why: "go.sum changed"}, was, actRestart, "1 new commit, setup re-ran: go.sum changed, run changed"},
		{"a running worker crispify did not start is left", base, "bbb", "", workers.SetupRun{}, observed{running: true}, actLeave, "running"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := decide(c.want, c.head, c.moved, c.setup, c.o)
			if got.action != c.act || got.why != c.why {
				t.Errorf("decide = %s %q, want %s %q", got.action, got.why, c.act, c.why)
			}
		})
	}
}

func TestShapeOfReadsExpandedEnvAndEnvFile(t *testing.T) {
	dir := t.TempDir()
	s := &manifest.Service{Name: "api", Dir: dir, Run: "./worker", Env: map[string]string{"URL": "${CRISPIFY_HOST}:1"}, EnvFile: ".env"}
	env := []string{"HOME=/home/dev", "URL=127.0.0.1:1", "FROM_FILE=1"}
	a := shapeOf(s, env)
	if a.Env["URL"] != "127.0.0.1:1" || len(a.Env) != 1 {
		t.Errorf("env of the shape: %v (only the manifest's keys, expanded)", a.Env)
	}
	if a.EnvFile != "unreadable" {
		t.Errorf("a missing env_file: %q", a.EnvFile)
	}
	writeFile(t, dir+"/.env", "FROM_FILE=1\n")
	b := shapeOf(s, env)
	writeFile(t, dir+"/.env", "FROM_FILE=2\n")
	c := shapeOf(s, env)
	if b.EnvFile == c.EnvFile || b.EnvFile == "" {
		t.Errorf("env_file hashes %q and %q: want them to differ", b.EnvFile, c.EnvFile)
	}
	// The user's own environment is no part of the shape: another
	// terminal's HOME or PATH restarts nothing.
	d := shapeOf(s, append(env, "HOME=/elsewhere", "PATH=/x"))
	if len(d.changes(c)) != 0 {
		t.Errorf("the user's environment changed the shape: %v", d.changes(c))
	}
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}
