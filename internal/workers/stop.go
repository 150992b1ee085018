package workers

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// DefaultStopTimeout is how long a process group has between SIGTERM and
// SIGKILL (docs/design.md, Runtime conventions).
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
	return stopFamily(ctx, &family{pgid: pgid}, timeout, nil)
}

// stopProc is stopFamily for a process crispify started, whose group it
// leads: the family is looked at again the moment the leader exits, not at
// the next poll, since most families are the leader alone. A restart on a
// fixed port waits for exactly this.
func stopProc(ctx context.Context, p *proc, timeout time.Duration) error {
	return stopFamily(ctx, p.fam, timeout, p.exited)
}

// stopFamily ends every process of a family (the group, and what left it:
// see family): SIGTERM to each, then SIGKILL after timeout, or at once
// when ctx ends. It returns once none is left, having let go of what
// tracked them, or with an error naming those that outlive SIGKILL. It
// also looks again when leaderExited is closed.
func stopFamily(ctx context.Context, f *family, timeout time.Duration, leaderExited <-chan struct{}) error {
	if f.gone() {
		f.release()
		return nil
	}
	if err := f.terminate(); err != nil {
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
		return f.kill()
	}
	for {
		if f.gone() {
			f.release()
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
				return fmt.Errorf("%s still there %v after SIGKILL", describePIDs(f.alive()), afterKill)
			}
			if err := kill(); err != nil {
				return err
			}
		}
	}
}

// describePIDs names processes: "process 12 is", "processes 12, 13 are".
func describePIDs(pids []int) string {
	switch len(pids) {
	case 0:
		return "a process is"
	case 1:
		return fmt.Sprintf("process %d is", pids[0])
	}
	return "processes " + joinPIDs(pids, ", ") + " are"
}

// joinPIDs writes pids with sep between them.
func joinPIDs(pids []int, sep string) string {
	s := make([]string, len(pids))
	for i, pid := range pids {
		s[i] = strconv.Itoa(pid)
	}
	return strings.Join(s, sep)
}
