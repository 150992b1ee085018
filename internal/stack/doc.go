// Package stack is the engine of crispify: it owns a stack's whole
// lifecycle. It selects what a command names, plans a boot as one
// dependency graph over repos, images, infra, setup and workers, applies it
// to the running stack as a diff (start what does not run, restart with a
// reason what changed, leave the rest alone), and keeps the stack running
// as its supervisor, which serves the socket that status, logs, stop,
// restart, remote and decrispify of other terminals talk to. It stops and
// tears the stack down (down.go says what in what order) and reads its
// status and logs.
//
// It reports through event.Sink only; it never imports the UI.
package stack
