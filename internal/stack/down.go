package stack

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/crispify/crispify/internal/docker"
	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/workers"
)

// DownReport says what a teardown did.
type DownReport struct {
	// Workers says what became of the workers: "workers stopped", "no
	// workers were running", or which leftovers of an earlier crispify
	// were ended.
	Workers string
	docker.DownReport
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
//     containers are stopped and removed in parallel, then its network,
//     and with volumes its volumes. Only what carries the project's label
//     is listed, so nothing else is touched.
//
// It goes on past failures and returns them all; a teardown runs to its end
// even after Ctrl-C, since half a teardown helps no one.
func (st *Stack) Down(ctx context.Context, volumes bool, sink event.Sink) (DownReport, error) {
	var report DownReport
	said, workersErr := st.stopWorkers(context.WithoutCancel(ctx))
	report.Workers = said
	if len(st.Manifest.Infra) == 0 {
		return report, workersErr
	}
	p, err := st.project(ctx, sink)
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
	report.DownReport, err = p.Down(context.WithoutCancel(ctx), volumes)
	return report, errors.Join(workersErr, err)
}

// stopWorkers stops the project's supervisor and ends whatever an earlier
// crispify left running.
func (st *Stack) stopWorkers(ctx context.Context) (string, error) {
	said := "no workers were running"
	c, err := st.Dial(ctx)
	switch {
	case err == nil:
		if err := c.Down(ctx); err != nil {
			return said, fmt.Errorf("stop the supervisor (pid %d): %w: try `kill %d`", c.PID(), err, c.PID())
		}
		said = "workers stopped"
	case !errors.Is(err, ErrNotRunning):
		return said, fmt.Errorf("reach the supervisor of %s: %w", st.Manifest.WorkspaceDir, err)
	}
	ended, err := workers.EndLeftovers(ctx, filesOf(st.Manifest).workers(), event.Discard)
	if err != nil {
		return said, err
	}
	if len(ended) > 0 {
		said = "ended workers left running by an earlier crispify: " + strings.Join(ended, ", ")
	}
	return said, nil
}

// Volumes lists the project's volumes: what `decrispify --volumes` would
// remove.
func (st *Stack) Volumes(ctx context.Context) ([]string, error) {
	engine, _, err := st.Connect(ctx)
	if err != nil {
		return nil, err
	}
	vols, err := engine.VolumeList(ctx, map[string]string{docker.LabelProject: st.Manifest.Project})
	if err != nil {
		return nil, fmt.Errorf("list volumes of project %s: %w", st.Manifest.Project, err)
	}
	names := make([]string, len(vols))
	for i, v := range vols {
		names[i] = v.Name
	}
	return names, nil
}
