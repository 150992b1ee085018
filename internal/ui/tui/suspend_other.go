//go:build !unix

package tui

import "os"

// No job control here: Ctrl-Z is an ordinary key.
const canSuspend = false

func notifyStop(chan<- os.Signal) {}
func notifyCont(chan<- os.Signal) {}

func stopGroup() error { return nil }

func lineMode() bool { return false }
