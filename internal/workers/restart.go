package workers

import (
	"time"

	"github.com/crispify/crispify/internal/manifest"
)

const (
	backoffFirst = time.Second      // the first restart waits this long
	backoffMax   = 30 * time.Second // and each next one twice the last, up to this
	// steadyAfter is how long a process must run without exiting for its
	// backoff and restart count to start over, and for it to stop being sick.
	steadyAfter = 60 * time.Second
	// sickRestarts within sickWindow make a worker sick.
	sickRestarts = 3
	sickWindow   = 60 * time.Second
	// permanentWithin: exit 126 or 127 this soon is the shell saying the
	// command cannot run; restarting would only loop.
	permanentWithin = time.Second
)

// backoff tracks the restarts of one replica. It is not safe for concurrent
// use; the worker's mutex guards it.
type backoff struct {
	delay  time.Duration // before the next restart; 0 means backoffFirst
	recent []time.Time   // restarts within sickWindow
}

// next records a restart decided at now and returns how long to wait before
// it, and whether the replica restarted sickRestarts times within sickWindow.
func (b *backoff) next(now time.Time) (wait time.Duration, sick bool) {
	wait = b.delay
	if wait == 0 {
		wait = backoffFirst
	}
	b.delay = min(2*wait, backoffMax)
	kept := b.recent[:0]
	for _, t := range b.recent {
		if now.Sub(t) < sickWindow {
			kept = append(kept, t)
		}
	}
	b.recent = append(kept, now)
	return wait, len(b.recent) >= sickRestarts
}

// steady starts over after steadyAfter of good running.
func (b *backoff) steady() {
	b.delay = 0
	b.recent = b.recent[:0]
}

// restarts reports whether the policy restarts a process that exited with
// code.
func restarts(p manifest.RestartPolicy, code int) bool {
	switch p {
	case manifest.RestartNever:
		return false
	case manifest.RestartAlways:
		return true
	default: // on-failure, and unset
		return code != 0
	}
}

// permanent reports whether an exit means the command cannot run at all:
// sh exits 127 when the program is not found and 126 when it cannot be
// executed, at once.
func permanent(code int, ran time.Duration) bool {
	return (code == 126 || code == 127) && ran < permanentWithin
}
