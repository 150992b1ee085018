//go:build !linux

package workers

import "os/exec"

// Elsewhere than on Linux a worker's family is its process group (on
// windows, its process tree while its parents live): macOS has neither
// cgroups nor a child subreaper, and a process that leaves the group
// (setsid) is not tracked. The state file and the watchdog hold the group.
type tracker struct{}

func newTracker() *tracker { return &tracker{} }

// family is a worker process's group.
type family struct{ pgid int }

func (t *tracker) open(string) *family { return &family{} }

func familyOf(pgid int, _ string, _ []procID) *family { return &family{pgid: pgid} }

func (f *family) enter(*exec.Cmd) (leave func() bool, err error) {
	return func() bool { return true }, nil
}
func (f *family) dropCgroup() bool  { return false }
func (f *family) cgroupsRefused()   {}
func (f *family) started(pid int)   { f.pgid = pid }
func (f *family) follow(func())     {}
func (f *family) cgroupDir() string { return "" }
func (f *family) known() []procID   { return nil }
func (f *family) release() error    { return nil }

func (f *family) terminate() error {
	if f.pgid <= 1 {
		return nil
	}
	return terminateGroup(f.pgid)
}

func (f *family) kill() error {
	if f.pgid <= 1 {
		return nil
	}
	return killGroup(f.pgid)
}

func (f *family) gone() bool { return f.pgid <= 1 || groupGone(f.pgid) }

func (f *family) alive() []int {
	if f.pgid > 1 && processAlive(f.pgid) {
		return []int{f.pgid}
	}
	return nil
}
