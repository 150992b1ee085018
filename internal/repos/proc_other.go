//go:build !unix

package repos

import "os/exec"

// killGroup leaves cmd with exec's default cancel, killing git itself: there
// are no process groups to kill here.
func killGroup(*exec.Cmd) {}
