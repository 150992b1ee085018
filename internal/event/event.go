// Package event defines the one stream the engine reports through: every
// repo, image, infra container, setup step and worker change is an Event,
// and every front end (terminal UI, plain lines, NDJSON) only renders them.
//
// It is a leaf package: it imports nothing of crispify's, so that engine
// packages and the UI can both depend on it without depending on each other.
package event

import "time"

// Kind says what an event is about.
type Kind string

// The kinds of docs/design.md.
const (
	Repo   Kind = "repo"
	Image  Kind = "image"
	Infra  Kind = "infra"
	Setup  Kind = "setup"
	Worker Kind = "worker"
	Stack  Kind = "stack"
	// Plan is one step of a dry run: Phase is the action (clone, fetch,
	// pull, create, recreate, start, restart, setup, leave, fail), Item the
	// kind of what it acts on, Msg why.
	Plan Kind = "plan"
)

// Phase is the state an item has reached. Which phases a kind uses is fixed by
// docs/design.md; Final tells the phases after which an item has settled.
type Phase string

// Repo phases.
const (
	Cloning   Phase = "cloning"
	Updating  Phase = "updating"
	Cloned    Phase = "cloned"
	Updated   Phase = "updated"
	Unchanged Phase = "unchanged" // also a setup phase
	Skipped   Phase = "skipped"
	Failed    Phase = "failed" // every kind
)

// Image phases.
const (
	Pulling Phase = "pulling"
	Present Phase = "present"
	Pulled  Phase = "pulled"
)

// Infra phases.
const (
	Creating Phase = "creating"
	Starting Phase = "starting" // also a worker phase
	Waiting  Phase = "waiting"
	Healthy  Phase = "healthy"
	Sick     Phase = "sick" // also a worker phase
	Dead     Phase = "dead"
	Removed  Phase = "removed"
)

// Setup phases.
const (
	Running Phase = "running"
	Done    Phase = "done" // also a stack phase
)

// Worker phases.
const (
	Ready      Phase = "ready"
	Exited     Phase = "exited"
	Restarting Phase = "restarting"
	Stopped    Phase = "stopped"
)

// Stack phases.
const (
	Started Phase = "started"
)

// Event is one change of one item. Its JSON form is the NDJSON line of
// `--output json`, field for field as docs/design.md gives it.
type Event struct {
	TS    time.Time `json:"ts"`
	Kind  Kind      `json:"kind"`
	Name  string    `json:"name,omitempty"`
	Phase Phase     `json:"phase"`
	// Progress is 0..1 where known, nil where not.
	Progress *float64 `json:"progress,omitempty"`
	Msg      string   `json:"msg,omitempty"`
	Error    string   `json:"error,omitempty"`

	// Counts summarises a run in the last stack event: phase -> items.
	Counts map[Phase]int `json:"counts,omitempty"`
	// PID of a worker process, Ports of a container or worker, Restarts and
	// ExitCode of a worker: what the status board shows beside the state.
	PID      int      `json:"pid,omitempty"`
	Ports    []string `json:"ports,omitempty"`
	Restarts int      `json:"restarts,omitempty"`
	ExitCode *int     `json:"exit_code,omitempty"`
	// Since is when an infra container started, by the engine's clock: its
	// uptime, which may well begin before this run did.
	Since time.Time `json:"since,omitzero"`
	// Git is a repo's git state, on repo events where the working copy is
	// on disk; nil where it was not read.
	Git *Git `json:"git,omitempty"`

	// Tunnel is the state of an infra container's tunnel from an ssh://
	// engine to this machine: connecting, up or down; empty when its
	// engine needs none.
	Tunnel string `json:"tunnel,omitempty"`
	// Watch says how a worker's files are watched (--watch, watch:, the
	// board's w): on, polling (the OS's watch limit was reached) or off;
	// empty when the stack does not watch it.
	Watch string `json:"watch,omitempty"`

	// Line is one line a worker or setup command wrote, when the event
	// carries output rather than a change of state; Phase is then the
	// item's current phase. Output events are never coalesced.
	Line string `json:"line,omitempty"`

	// Item is the kind of what a plan step acts on (Kind is Plan).
	Item Kind `json:"item,omitempty"`

	// Volume is the volume a data event moves, with bytes done of total.
	Volume *Volume `json:"volume,omitempty"`

	// CPU (percent of one core) and Memory (bytes) are what a load event's
	// row costs; Free, on the Machine's, the memory the machine has left.
	CPU    *float64 `json:"cpu,omitempty"`
	Memory *uint64  `json:"memory,omitempty"`
	Free   *uint64  `json:"free,omitempty"`

	// Queue is a queue event's figures (kind queue).
	Queue *QueueState `json:"queue,omitempty"`
}

// IsOutput reports whether e carries a line of output, not a state change.
func (e Event) IsOutput() bool { return e.Line != "" }

// Fraction returns a Progress value, clamped to 0..1.
func Fraction(p float64) *float64 {
	p = min(max(p, 0), 1)
	return &p
}

// Final reports whether the phase settles an item: such events are never
// coalesced away, because they are what a user reads as the outcome.
func (p Phase) Final() bool {
	switch p {
	case Cloning, Updating, Pulling, Creating, Starting, Waiting, Running, Restarting, Started, Copying, Sampled:
		return false
	}
	return true
}

// Sink receives events. Emit must not block the engine for long: a sink that
// renders slowly buffers (see Queue).
type Sink interface {
	Emit(Event)
}

// LineSink is a Sink that also takes lines of output in batches: a chatty
// worker's lines then cost a lock per batch, not per line.
type LineSink interface {
	Sink
	EmitLines(lines []Event)
}

// EmitLines emits lines of output to s, in one call when s takes batches.
// lines is s's only for the call.
func EmitLines(s Sink, lines []Event) {
	if ls, ok := s.(LineSink); ok {
		ls.EmitLines(lines)
		return
	}
	for _, e := range lines {
		s.Emit(e)
	}
}

// SinkFunc adapts a function to a Sink.
type SinkFunc func(Event)

// Emit calls f(e).
func (f SinkFunc) Emit(e Event) { f(e) }

// Discard is a Sink that drops every event.
var Discard Sink = SinkFunc(func(Event) {})
