package stack

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/crispify/crispify/internal/docker"
	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/lockfile"
	"github.com/crispify/crispify/internal/manifest"
	"github.com/crispify/crispify/internal/workers"
)

// DownReport says what a teardown did.
type DownReport struct {
	// Workers says what became of the workers: "workers stopped", "no
	// workers were running", or which leftovers of an earlier crispify
	// were ended.
	Workers string
	docker.DownReport
	// Summary says it in a line, the message of the stack's done event.
	Summary string
}

// DownOptions say how a teardown goes.
type DownOptions struct {
	// Volumes removes the data the stack runs on too: the current data
	// branch's volumes and the shared ones (DownVolumes).
	Volumes bool
	// AllBranches, with Volumes, removes every branch's data and the
	// snapshots too.
	AllBranches bool
	// RemoveVolumes is the command that removes the volumes a teardown
	// keeps, as the user calls it (`decrispify --volumes`): the summary
	// names it.
	RemoveVolumes string
}

// Down tears the stack down, in this order, and never touches a repo:
//
//  1. The workers. The project's supervisor (foreground or detached) stops
//     them, each before the workers it needs, SIGTERM then SIGKILL after
//     10 s, and exits. Then whatever an earlier crispify left running (its
//     state file names the processes and their start times) is ended, by
//     process group.
//  2. The infra, once any boot of the project in another terminal has its
//     infra up (the project's lock on this machine): the project's
//     containers are stopped and removed, each before the infra it needs,
//     then its network, and with volumes its volumes. Only what carries
//     the project's label and its owner's is touched.
//
// It goes on past failures and returns them all; a teardown runs to its end
// even after Ctrl-C, since half a teardown helps no one. It reports between
// the stack's started and done events, done saying what it did.
func (st *Stack) Down(ctx context.Context, opts DownOptions, sink event.Sink) (DownReport, error) {
	var report DownReport
	_, err := command(sink, "teardown of project "+st.Manifest.Project, func(sink event.Sink) (string, error) {
		var err error
		report, err = st.down(ctx, opts, sink)
		report.Summary = report.summary(st.Manifest, opts.RemoveVolumes)
		return report.Summary, err
	})
	return report, err
}

// down is Down's work.
func (st *Stack) down(ctx context.Context, opts DownOptions, sink event.Sink) (DownReport, error) {
	var report DownReport
	said, workersErr := st.stopWorkers(context.WithoutCancel(ctx))
	workersErr = errors.Join(workersErr, st.survivors())
	report.Workers = said
	if len(st.Manifest.Infra) == 0 && !st.recorded {
		return report, workersErr
	}
	p, err := st.downProject(ctx, sink)
	if err != nil {
		return report, errors.Join(workersErr, err)
	}
	// A boot of the project in another terminal ends its infra first.
	if err := p.Lock(ctx, st.Manifest.InfraNames()); err != nil {
		return report, errors.Join(workersErr, err)
	}
	defer p.Unlock()
	// Before the lock is let go: nothing of the project stays in the
	// user's cache (a lock file left would only be made again).
	defer p.RemoveLock()
	var remove func(docker.Volume) bool
	var choiceErr error
	if opts.Volumes {
		// Which branch runs not known: every volume is kept, and the
		// error says why.
		remove, choiceErr = st.removing(p, opts.AllBranches)
	}
	report.DownReport, err = p.DownRemoving(context.WithoutCancel(ctx), remove)
	return report, errors.Join(workersErr, choiceErr, err)
}

// stopWorkers stops the project's supervisor and ends whatever an earlier
// crispify left running. A supervisor that does not answer as one (hung,
// stopped, or garbage on its socket) is ended as a process, when it is
// known to be the one holding the project's lock: its workers go with it
// (its watchdog), and what is left is ended from the state file. The error
// says what was wrong, even when all was stopped.
func (st *Stack) stopWorkers(ctx context.Context) (string, error) {
	f := filesOf(st.Manifest)
	said := "no workers were running"
	var wrong error
	c, err := dial(ctx, f)
	var se *SupervisorError
	switch {
	case err == nil:
		if err := c.Down(ctx); err != nil {
			return "workers not stopped", fmt.Errorf("stop the supervisor (pid %d): %w: try `kill %d`", c.PID(), err, c.PID())
		}
		said = "workers stopped"
	case errors.As(err, &se):
		said, wrong = endUnanswered(f, se)
		if said == "" {
			return "workers not stopped: their state is not known", wrong
		}
	case !errors.Is(err, ErrNotRunning):
		return "workers not stopped: their state is not known", fmt.Errorf("reach the supervisor of %s: %w", st.Manifest.WorkspaceDir, err)
	}
	ended, err := workers.EndLeftovers(ctx, f.workers(), event.Discard)
	pruneRecord(f) // the supervisor is gone: its record goes too
	if err != nil {
		return said, errors.Join(wrong, err)
	}
	if len(ended) > 0 && wrong == nil {
		said = "ended workers left running by an earlier crispify: " + strings.Join(ended, ", ")
	} else if len(ended) > 0 {
		said += "; ended its workers: " + strings.Join(ended, ", ")
	}
	return said, wrong
}

// endUnanswered ends the process behind a socket that did not answer as a
// supervisor, if it is the one that holds the project's supervisor lock:
// SIGTERM, SIGKILL after 10 s. said is "" when nothing was ended.
func endUnanswered(f files, se *SupervisorError) (said string, err error) {
	if lockFree(f) {
		// No supervisor lives: what answers is not one, and is left alone.
		return "no supervisor runs", fmt.Errorf("something that is not crispify's supervisor listens on %s (%s): no supervisor holds %s, so no worker runs under one; remove the socket if nothing should be there", se.Socket, se.What, f.lock())
	}
	pid := se.PID
	if holder, ok := lockfile.Holder(f.lock()); ok {
		pid = holder // the kernel knows the holder; a pid file may lie
	}
	if pid <= 0 || pid == os.Getpid() {
		return "", fmt.Errorf("%w: and its pid is not known: end it by hand", se)
	}
	if err := endProcess(pid, workers.DefaultStopTimeout); err != nil {
		return "", fmt.Errorf("%w; ending it failed: %v: try `kill -KILL %d`", se, err, pid)
	}
	what := se.What
	if se.Stopped {
		what = "was stopped (Ctrl-Z)"
	}
	return fmt.Sprintf("supervisor (pid %d) ended: it %s", pid, what), se
}

// endProcess ends pid: askToEnd, then SIGKILL after wait, and returns once
// it is gone.
func endProcess(pid int, wait time.Duration) error {
	if err := askToEnd(pid); err != nil && workers.ProcessAlive(pid) {
		return err
	}
	gone := func(d time.Duration) bool {
		deadline := time.Now().Add(d)
		for workers.ProcessAlive(pid) {
			if time.Now().After(deadline) {
				return false
			}
			time.Sleep(50 * time.Millisecond)
		}
		return true
	}
	if gone(wait) {
		return nil
	}
	if err := killNow(pid); err != nil && workers.ProcessAlive(pid) {
		return err
	}
	if gone(5 * time.Second) {
		return nil
	}
	return fmt.Errorf("pid %d still runs 5 s after SIGKILL: a process stuck in the kernel (state D in ps -o stat -p %d) ends only when its I/O does; run decrispify again then", pid, pid)
}

// summary says what a teardown did, and of what it kept, which volumes and
// the command that removes them.
func (r DownReport) summary(m *manifest.Manifest, removeVolumes string) string {
	parts := []string{r.Workers}
	if len(m.Infra) > 0 {
		parts = append(parts, fmt.Sprintf("%d containers removed", len(r.Containers)))
		if r.Network {
			parts = append(parts, "network "+m.Project+" gone")
		}
		if len(r.Volumes) > 0 {
			parts = append(parts, fmt.Sprintf("%d volumes removed", len(r.Volumes)))
		}
		switch {
		case len(r.Kept) > 0:
			parts = append(parts, fmt.Sprintf("volumes kept (%s: `%s` removes them)", strings.Join(r.Kept, ", "), removeVolumes))
		case len(r.Volumes) == 0:
			parts = append(parts, "volumes kept")
		}
	}
	summary := "project " + m.Project + ": " + strings.Join(parts, ", ") + "; repos kept"
	if n := len(r.Unnamed); n > 0 {
		summary += fmt.Sprintf("; the images' unnamed volumes (%d), made by an older crispify, stay on disk and the next boot will not reuse them; to free them: docker volume rm %s", n, strings.Join(r.Unnamed, " "))
	}
	return summary
}
