package workers

import (
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// leaderLives answers for a live group leader at once, and says no for a
// zombie leader (dead, not yet waited for) and for a process that does not
// lead its group: groupGone then looks at the group's members.
func TestLeaderLivesTellsAZombieAndANonLeader(t *testing.T) {
	leader := exec.Command("sleep", "30")
	ownGroup(leader)
	if err := leader.Start(); err != nil {
		t.Fatal(err)
	}
	pid := leader.Process.Pid
	t.Cleanup(func() { leader.Process.Kill(); leader.Wait() })
	if !leaderLives(pid) || groupGone(pid) {
		t.Fatalf("a live leader: leaderLives %v, groupGone %v", leaderLives(pid), groupGone(pid))
	}

	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !zombie(pid) && time.Now().Before(deadline) { // dead, but not yet waited for
		time.Sleep(5 * time.Millisecond)
	}
	if !zombie(pid) {
		t.Fatal("the killed leader never showed as a zombie")
	}
	if leaderLives(pid) {
		t.Error("leaderLives says a zombie leader lives")
	}
	if !groupGone(pid) {
		t.Error("a group of one zombie is not gone")
	}

	// A child left in this test's group lives but leads no group.
	member := exec.Command("sleep", "30")
	if err := member.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { member.Process.Kill(); member.Wait() })
	if leaderLives(member.Process.Pid) {
		t.Errorf("leaderLives says process %d leads a group; its group is %d", member.Process.Pid, syscall.Getpgrp())
	}
}
