package workers

import (
	"context"
	"fmt"
	"time"
)

// DefaultStopTimeout is how long a process group has between SIGTERM and
// SIGKILL (DESIGN.md, Runtime conventions).
const DefaultStopTimeout = 10 * time.Second

const (
	// pollEvery is how often a stop looks whether the group is empty; it
	// looks sooner at first (firstPoll, doubling), since most processes
	// end within milliseconds of SIGTERM.
	pollEvery = 50 * time.Millisecond
	// afterKill bounds the wait once SIGKILL is sent: the kernel ends the
	// processes at once, but reaping them may take a moment.
	afterKill = 5 * time.Second
)

// stopGroup ends a process group: SIGTERM, then SIGKILL after timeout, or
// at once when ctx ends (a second Ctrl-C forces). It returns once no live
// process is left in the group, or with an error when one outlives SIGKILL.
func stopGroup(ctx context.Context, pgid int, timeout time.Duration) error {
	return stopGroupWaking(ctx, pgid, timeout, nil)
}

// stopProc is stopGroup for a process crispify started, whose group it
// leads: the group is looked at again the moment the leader exits, not at
// the next poll, since most groups are the leader alone. A restart on a
// fixed port waits for exactly this.
func stopProc(ctx context.Context, p *proc, timeout time.Duration) error {
	return stopGroupWaking(ctx, p.pid, timeout, p.exited)
}

// stopGroupWaking is stopGroup that also looks again when leaderExited is
// closed.
func stopGroupWaking(ctx context.Context, pgid int, timeout time.Duration, leaderExited <-chan struct{}) error {
	if groupGone(pgid) {
		return nil
	}
	if err := terminateGroup(pgid); err != nil {
		return err
	}
	if timeout <= 0 {
		timeout = DefaultStopTimeout
	}
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	wait := firstPoll
	poll := time.NewTimer(wait)
	defer poll.Stop()
	done := ctx.Done()
	killed := false
	kill := func() error {
		killed, done = true, nil
		deadline.Reset(afterKill)
		return killGroup(pgid)
	}
	for {
		if groupGone(pgid) {
			return nil
		}
		select {
		case <-leaderExited:
			leaderExited = nil // closed: once is enough
		case <-poll.C:
			wait = min(2*wait, pollEvery)
			poll.Reset(wait)
		case <-done:
			if err := kill(); err != nil {
				return err
			}
		case <-deadline.C:
			if killed {
				return fmt.Errorf("process group %d is still there %v after SIGKILL", pgid, afterKill)
			}
			if err := kill(); err != nil {
				return err
			}
		}
	}
}
