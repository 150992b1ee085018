package workers

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/crispify/crispify/internal/event"
)

func TestReplicas(t *testing.T) {
	t.Parallel()
	s, rec := newSupervisor(t)
	spec := Spec{Name: "consumer", Command: workerCmd("-env", "CRISPIFY_REPLICA"), Replicas: 2}
	if err := s.Start(ctxFor(t, 20*time.Second), spec); err != nil {
		t.Fatal(err)
	}
	st := s.Status()[0]
	if len(st.PIDs) != 2 || st.PIDs[0] == st.PIDs[1] || st.State != event.Ready {
		t.Errorf("status: %+v", st)
	}
	for _, want := range []string{"[0] CRISPIFY_REPLICA=0", "[1] CRISPIFY_REPLICA=1"} {
		rec.waitFor(t, time.Second, want, func(e event.Event) bool { return e.Line == want })
	}
	if n := rec.count(phase("consumer", event.Ready)); n != 1 {
		t.Errorf("%d ready events, want one when both are:\n%s", n, dump(rec.states()))
	}
	if err := s.Stop(ctxFor(t, 20*time.Second), "consumer"); err != nil {
		t.Fatal(err)
	}
	log, err := os.ReadFile(LogPath(s.stateDir, "consumer"))
	if err != nil || !strings.Contains(string(log), "[1] CRISPIFY_REPLICA=1\n") {
		t.Errorf("log file: %q, %v", log, err)
	}
}

// A start given a reason says it once up, as a restart says its own; so
// does a restart by hand of a worker that was not running.
func TestStartSaysWhy(t *testing.T) {
	t.Parallel()
	s, rec := newSupervisor(t)
	if err := s.Start(ctxFor(t, 20*time.Second), Spec{Name: "api", Command: workerCmd(), Why: "it was not running"}); err != nil {
		t.Fatal(err)
	}
	states := rec.states()
	if last := states[len(states)-1]; last.Phase != event.Ready || last.Msg != "started: it was not running" || last.PID == 0 {
		t.Errorf("last event of a start: %+v", last)
	}
	if err := s.Stop(ctxFor(t, 20*time.Second), "api"); err != nil {
		t.Fatal(err)
	}
	if err := s.Restart(ctxFor(t, 20*time.Second), "api"); err != nil {
		t.Fatal(err)
	}
	states = rec.states()
	if last := states[len(states)-1]; last.Phase != event.Ready || last.Msg != "started: by hand" {
		t.Errorf("last event of a restart of a stopped worker: %+v", last)
	}
}

func TestStartTwiceIsRefused(t *testing.T) {
	t.Parallel()
	s, _ := newSupervisor(t)
	spec := Spec{Name: "api", Command: workerCmd()}
	if err := s.Start(ctxFor(t, 20*time.Second), spec); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(ctxFor(t, 20*time.Second), spec); err == nil || !strings.Contains(err.Error(), "already running") {
		t.Errorf("second start: %v", err)
	}
}

func TestEnvironmentReachesTheWorker(t *testing.T) {
	t.Parallel()
	s, rec := newSupervisor(t)
	env, err := Environment([]string{"PATH=" + os.Getenv("PATH"), "HOME=/home/dev"}, map[string]string{"CRISPIFY_HOST": "10.0.0.5"}, "",
		map[string]string{"AMQP_URL": "amqp://${CRISPIFY_HOST}:5672"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(ctxFor(t, 20*time.Second), Spec{Name: "api", Command: workerCmd("-env", "AMQP_URL,HOME"), Env: env}); err != nil {
		t.Fatal(err)
	}
	rec.waitFor(t, time.Second, "AMQP_URL", func(e event.Event) bool { return e.Line == "AMQP_URL=amqp://10.0.0.5:5672" })
	rec.waitFor(t, time.Second, "HOME", func(e event.Event) bool { return e.Line == "HOME=/home/dev" })
}
