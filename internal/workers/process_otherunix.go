//go:build unix && !linux && !darwin

package workers

import "syscall"

// setDeathSignal does nothing: only Linux has a parent-death signal.
func setDeathSignal(*syscall.SysProcAttr) {}

// startTime is unknown here, so EndLeftovers ends nothing it cannot tell
// apart from a process that reused the pid.
func startTime(int) (uint64, bool) { return 0, false }

func zombie(int) bool { return false }

// leaderLives cannot tell a zombie here: groupGone then asks onlyZombies,
// which says the group is not gone, as kill did.
func leaderLives(int) bool { return false }

func onlyZombies(int) bool { return false }

// groupHasMemberSince cannot tell here: a group whose leader is gone is
// left alone.
func groupHasMemberSince(int, uint64) bool { return false }
