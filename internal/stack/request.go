package stack

import (
	"github.com/crispify/crispify/internal/event"
)

// Mode is how far a boot goes with repos and images.
type Mode string

// The boot modes of `crispify local`, `run` and `remote`.
const (
	Local  Mode = "local"  // clone what is missing
	Run    Mode = "run"    // only what is on disk
	Remote Mode = "remote" // fetch and fast-forward, pull newer images
)

// Request is one boot: what to apply to the stack. A supervisor applies
// it to what runs: it starts what is selected and does not run, restarts
// what changed, with the reason, and leaves the rest alone.
type Request struct {
	Mode    Mode     `json:"mode"`
	Names   []string `json:"names,omitempty"`
	Profile string   `json:"profile,omitempty"`
	Backend string   `json:"git,omitempty"` // the git backend; "" is the default
	// Manifest and Workspace are the manifest's absolute path and the
	// resolved workspace: the supervisor reads the manifest again for each
	// apply, so that an edit to it applies.
	Manifest  string `json:"manifest"`
	Workspace string `json:"workspace"`
	// Project is the project's name, the manifest's or the one --project
	// or CRISPIFY_PROJECT gave.
	Project string `json:"project"`
	// Watch turns watching on for the selected services (--watch): a
	// change to their files restarts their workers.
	Watch bool `json:"watch,omitempty"`
	// Env is the environment of whoever asked: the base of the workers'
	// environment, where ${VAR}s of the manifest expand from.
	Env []string `json:"env,omitempty"`
	// Switch moves the selected repos to another branch first (crispify
	// switch); nil for every other boot.
	Switch *Switch `json:"switch,omitempty"`
	// DryRun asks for the plan only (--dry-run): plan events, nothing
	// changed.
	DryRun bool `json:"dry_run,omitempty"`
	// Verbose asks for the apply's -v trace: every git command and Docker
	// call the supervisor makes for it, sent back as it goes. Client.Apply
	// sets it when its context carries a tracer.
	Verbose bool `json:"verbose,omitempty"`
}

// Result is what an apply did: the last settled event of every item it
// touched (the summary table), and the counts.
type Result struct {
	Settled []event.Event       `json:"settled,omitempty"`
	Counts  map[event.Phase]int `json:"counts,omitempty"`
	// Usage says the request itself was wrong (an unknown name, a broken
	// manifest): nothing was attempted.
	Usage bool `json:"usage,omitempty"`
}
