package event

// Class groups states by what they mean to a user, which picks their
// colour. One table for every front end: the board, the plain lines, the
// summary tables and `crispify status` paint a state alike (status painted
// `starting` as a warning while the board showed it under way).
type Class int

// The classes, from under way to broken.
const (
	Working Class = iota // in progress: blue
	Good                 // settled and fine: green
	Idle                 // settled, neither good nor bad (stopped, removed): plain
	Warn                 // skipped, sick, restarting, missing: yellow
	Bad                  // failed, dead, unknown: red
)

// States a status row shows that no event carries.
const (
	// Missing is a repo that is not on disk.
	Missing Phase = "missing"
	// Unknown is a worker whose supervisor did not answer: nothing can be
	// said of it.
	Unknown Phase = "unknown"
)

var classes = map[Phase]Class{
	Cloned: Good, Updated: Good, Unchanged: Good, Present: Good, Pulled: Good,
	Healthy: Good, Done: Good, Ready: Good,
	Copied: Good, Swapped: Good, Saved: Good, Restored: Good,

	Stopped: Idle, Removed: Idle, Exited: Idle,

	Skipped: Warn, Sick: Warn, Restarting: Warn, Missing: Warn,

	Failed: Bad, Dead: Bad, Unknown: Bad,
}

// ClassOf tells how a state reads to a user; a state of no class is under
// way.
func ClassOf(p Phase) Class {
	if c, ok := classes[p]; ok {
		return c
	}
	return Working
}
