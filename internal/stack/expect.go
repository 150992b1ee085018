package stack

import (
	"context"
	"os"
	"path/filepath"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/manifest"
)

// expected is the plan an apply makes before anything runs (docs/design.md,
// "A live stack"): what it means to do to each worker, and at which commit
// of its clone it decided so.
type expected struct {
	workers map[string]event.Phase // planStart, planRestart or planLeave
	heads   map[string]string      // by clone
}

// expect makes the apply's plan from what is on disk now, with the
// decisions --dry-run prints. It fetches nothing: a remote run's fetch is
// the run's own, and a HEAD it moves re-plans the services of that clone
// with the reason the move gives (`3 new commits`). Any other difference
// between this plan and what the run does (a file saved meanwhile, a
// worker that died, a setup that failed) is a departure, and the worker's
// line says so.
func (a *apply) expect(ctx context.Context) {
	x := &expected{workers: map[string]event.Phase{}, heads: map[string]string{}}
	for _, st := range a.serviceSteps(ctx, a.localRepo) {
		switch st.item {
		case event.Repo:
			x.heads[st.name] = st.head
		case event.Worker:
			x.workers[st.name] = st.action
		}
	}
	// The clones' files read here serve the run too; a repo step that
	// moves a clone (a fetch, a checkout) drops its reading (apply.repo).
	a.mu.Lock()
	a.expected = x
	a.mu.Unlock()
}

// localRepo is how a clone is found before the run: at its HEAD now, or
// to be cloned.
func (a *apply) localRepo(_ context.Context, c manifest.Clone) (event.Phase, string, string) {
	if _, err := os.Stat(filepath.Join(c.Dir, ".git")); err != nil {
		return planClone, "not cloned yet", ""
	}
	head, _ := a.head(c.Dir)
	if a.mode == Remote {
		return planFetch, "to fetch", head
	}
	return planLeave, "present", head
}

// departure is what a worker's line adds when the run does to it other
// than the plan said, its clone at the commit the plan saw: "" when the
// run keeps to the plan, or when no plan was made.
func (a *apply) departure(s *manifest.Service, head string, did action) string {
	a.mu.Lock()
	x := a.expected
	a.mu.Unlock()
	if x == nil || a.swappedWorker(s.Name) != "" {
		return ""
	}
	planned, ok := x.workers[s.Name]
	if !ok || x.heads[s.CloneName()] != head {
		return ""
	}
	doing := map[action]event.Phase{actStart: planStart, actRestart: planRestart, actLeave: planLeave}[did]
	if planned == doing {
		return ""
	}
	return " (the plan made before the run said " + string(planned) + "; this changed during the run)"
}
