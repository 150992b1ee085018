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

// Class groups phases by what they mean to a user, which picks their colour.
type Class int

// The classes, from settled-and-fine to broken.
const (
	Working Class = iota // in progress: blue
	Good                 // settled and fine: green
	Idle                 // settled, neither good nor bad (stopped, removed): plain
	Warn                 // skipped, sick, restarting: yellow
	Bad                  // failed, dead: red
)

// ClassOf tells how a phase reads to a user.
func ClassOf(p event.Phase) Class {
	switch p {
	case event.Cloned, event.Updated, event.Unchanged, event.Present, event.Pulled,
		event.Healthy, event.Done, event.Ready:
		return Good
	case event.Stopped, event.Removed, event.Exited:
		return Idle
	case event.Skipped, event.Sick, event.Restarting:
		return Warn
	case event.Failed, event.Dead:
		return Bad
	}
	return Working
}
