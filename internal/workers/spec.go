package workers

import (
	"time"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/manifest"
)

// Spec is one worker: a service's run command and how to supervise it.
type Spec struct {
	Name    string
	Dir     string // the repo folder: the worker's working directory
	Command string // the manifest's run: sh -c on unix, cmd /C on windows
	// Env is the whole environment, KEY=VALUE, as Environment composes it;
	// nil means crispify's own. Each replica also gets CRISPIFY_REPLICA,
	// its number from 0.
	Env      []string
	Replicas int // 0 means 1
	Restart  manifest.RestartPolicy
	// Ready says when a replica is up; nil: once it has run 500ms without
	// exiting. Its Timeout (default 60s) bounds Start.
	Ready       *manifest.Ready
	StopTimeout time.Duration // between SIGTERM and SIGKILL; 0: 10s
	// FailFast fails a start at the first exit before the worker was
	// ready, rather than after its restart policy's tries: a worker
	// restarted for a change to its code that does not come up waits for
	// the next change instead of restarting in a loop.
	FailFast bool
	// Why says why the worker starts ("it was not running"): the event
	// that it is up says "started: " and it, as a restart's says its reason.
	// Empty: the start says nothing more than its pid.
	Why string
}

// Options configure a Supervisor.
type Options struct {
	StateDir string // <workspace>/.crispify: logs
	// StatePath is the state file of the workers' processes (StatePath);
	// default workers.json in StateDir.
	StatePath string
	Sink      event.Sink // nil: events are dropped
	// WatchdogCommand runs the watchdog; nil: this binary with WatchdogArg,
	// whose main must then call RunWatchdog(os.Stdin).
	WatchdogCommand []string
}

// Status is where one worker stands.
type Status struct {
	Name string `json:"name"`
	// State is a worker phase: starting, ready, sick, exited, restarting,
	// stopped or failed.
	State    event.Phase `json:"state"`
	PIDs     []int       `json:"pids,omitempty"`
	Restarts int         `json:"restarts"`
	LastExit *int        `json:"last_exit,omitempty"`
	Since    time.Time   `json:"since"`            // when State began
	Detail   string      `json:"detail,omitempty"` // e.g. "exited with code 3", "restarting in 4s"
}
