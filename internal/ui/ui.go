// Package ui renders the engine's event stream for people and programs: plain
// lines for logs and pipes, NDJSON for scripts, and (later) the terminal UI.
// It only renders events; it never calls Docker or git.
package ui

import "github.com/crispify/crispify/internal/event"

// Renderer shows events as they come. Render is called from one goroutine,
// in event order; Close flushes whatever the renderer still holds.
type Renderer interface {
	Render(event.Event)
	Close() error
}

// Class groups states by what they mean to a user: event's one table,
// which `crispify status` reads too.
type Class = event.Class

// The classes, from under way to broken.
const (
	Working = event.Working // in progress: blue
	Good    = event.Good    // settled and fine: green
	Idle    = event.Idle    // settled, neither good nor bad (stopped, removed): plain
	Warn    = event.Warn    // skipped, sick, restarting: yellow
	Bad     = event.Bad     // failed, dead: red
)

// ClassOf tells how a state reads to a user.
func ClassOf(p event.Phase) Class { return event.ClassOf(p) }
