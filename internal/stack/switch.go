package stack

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/manifest"
	"github.com/crispify/crispify/internal/repos"
)

// Switch is the part of a request that moves the stack to another branch
// (crispify switch): every selected repo that has Branch goes to it, the
// others to the manifest's branch, and the workers whose HEAD moved
// restart, saying so.
type Switch struct {
	// Branch is the branch to move to; "-" goes back to where the last
	// switch came from.
	Branch string `json:"branch"`
	// Data is how a branch with no data yet gets some: DataCopy (""),
	// DataFresh, or DataKeep to go on with the current branch's.
	Data string `json:"data,omitempty"`
}

// back is the Branch that goes back one switch.
const back = "-"

// planCheckout is a plan step's action for a repo a switch checks out.
const planCheckout event.Phase = "checkout"

// switchPlan is a switch, planned over every selected clone before
// anything changes.
type switchPlan struct {
	steps  map[string]repos.SwitchStep // by clone name
	next   branches                    // what switch.json says once it is done
	failed map[string]bool             // clones whose checkout failed; under apply.mu
	data   *dataSwap                   // nil when the data stays where it is
}

// planSwitch reads every selected clone at once and says how each moves.
// A branch no selected repo has is refused as a mistake (most often a
// typo); a blocked repo blocks the whole switch, unless only a plan is
// asked for.
func (a *apply) planSwitch(ctx context.Context, sw Switch, dryRun bool) error {
	now, err := readBranches(a.m.StateDir())
	if err != nil {
		return err
	}
	want := func(c manifest.Clone) string { return sw.Branch }
	next := branches{Branch: sw.Branch, Data: dataBranchOf(a.m, sw.Branch), Clones: map[string]string{}}
	if sw.Branch == back {
		if now.Before == nil {
			return usageErrorf("switch -: no switch to go back from: crispify switch BRANCH first")
		}
		was := *now.Before
		want = func(c manifest.Clone) string { return was.branchOf(c.Name, c.Branch) }
		next = branches{Branch: was.Branch, Data: was.Data, Clones: map[string]string{}}
	} else if err := repos.CheckBranch(ctx, sw.Branch); err != nil {
		return &UsageError{Err: fmt.Errorf("switch: %w", err)}
	}
	next.Before = &now

	clones := a.m.Clones(a.sel.Services)
	steps := make([]repos.SwitchStep, len(clones))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for i, c := range clones {
		if _, err := os.Stat(filepath.Join(c.Dir, ".git")); err != nil {
			// Cloned by this apply on the manifest's branch.
			steps[i] = repos.SwitchStep{Name: c.Name, Dir: c.Dir, From: c.Branch, To: c.Branch}
			continue
		}
		g.Go(func() error {
			steps[i] = repos.PlanSwitch(gctx, c.Name, c.Dir, want(c), c.Branch) // c.Branch: the manifest's
			return nil
		})
	}
	g.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}

	p := &switchPlan{steps: map[string]repos.SwitchStep{}, next: next, failed: map[string]bool{}}
	var blocked []string
	has := false
	for _, st := range steps {
		p.steps[st.Name] = st
		if st.Blocked != "" {
			blocked = append(blocked, "  "+st.Name+": "+st.Blocked)
		} else {
			p.next.Clones[st.Name] = st.To
		}
		has = has || (st.To == sw.Branch && !st.Fallback)
	}
	if sw.Branch != back && !has && len(clones) > 0 {
		return usageErrorf("switch %s: no selected repo has branch %s, locally or on origin as last fetched: check the name, or git fetch in the repo that should have it", sw.Branch, sw.Branch)
	}
	a.switching = p
	if len(blocked) > 0 && !dryRun {
		return fmt.Errorf("switch to %s: nothing was changed: %d of %d repos cannot switch:\n%s",
			p.next.Branch, len(blocked), len(clones), strings.Join(blocked, "\n"))
	}
	// The stack keeps each clone on the branch it goes to from now on:
	// a remote after the switch updates that branch.
	a.kept = p.next
	moved := a.moved
	a.moved = func(ctx context.Context, dir, from, to string) string {
		for _, st := range p.steps {
			if st.Dir == dir && to == st.Target && !st.Stays() && st.Blocked == "" {
				return "checked out " + st.To
			}
		}
		return moved(ctx, dir, from, to)
	}
	return nil
}

// dataBranchOf is the data branch of the code branch branch: the default
// data for the manifest's own branch, so that a stack that never switched
// and one switched back to master run on the same volumes.
func dataBranchOf(m *manifest.Manifest, branch string) string {
	if branch == m.Defaults.Branch {
		return ""
	}
	return branch
}

// switchRepo checks out the branch the switch plan has for c; done is
// false when the plan leaves c where it is (or it is not switching).
func (a *apply) switchRepo(ctx context.Context, c manifest.Clone, sink event.Sink) (done bool, err error) {
	if a.switching == nil {
		return false, nil
	}
	st, ok := a.switching.steps[c.Name]
	if !ok || st.Stays() || st.Target == "" {
		return false, nil
	}
	sink.Emit(event.Event{Kind: event.Repo, Name: c.Name, Phase: event.Updating, Msg: "checking out " + st.To})
	// A checkout writes the files a watcher follows, for every service of
	// the clone: it is no save of the developer's.
	sharing := a.m.SharingClone(c.Services[0])
	for _, name := range sharing {
		a.pause(name)
	}
	err = repos.Switch(ctx, st)
	for _, name := range sharing {
		a.resume(name)
	}
	if err != nil {
		a.mu.Lock()
		a.switching.failed[c.Name] = true
		a.mu.Unlock()
		sink.Emit(event.Event{Kind: event.Repo, Name: c.Name, Phase: event.Failed, Error: err.Error()})
		return true, err
	}
	sink.Emit(event.Event{Kind: event.Repo, Name: c.Name, Phase: event.Updated, Msg: switchWords(st)})
	return true, nil
}

// switchWords says what a switch did to one repo.
func switchWords(st repos.SwitchStep) string {
	if st.Fallback {
		return "checked out " + st.To + ": it has no branch asked for"
	}
	return "checked out " + st.To
}

// planSwitchRepo is planRepo for a clone a switch moves.
func (a *apply) planSwitchRepo(c manifest.Clone) (event.Phase, string, string, bool) {
	if a.switching == nil {
		return "", "", "", false
	}
	st, ok := a.switching.steps[c.Name]
	switch {
	case !ok || st.Target == "":
		return "", "", "", false
	case st.Blocked != "":
		return planFail, st.Blocked, st.Head, true
	case st.Stays():
		return planLeave, "stays on " + st.To, st.Head, true
	}
	return planCheckout, switchWords(st), st.Target, true
}

// recordSwitch writes where the switch left the stack: a clone whose
// checkout failed stays recorded where it was.
func (a *apply) recordSwitch() error {
	if a.switching == nil {
		return nil
	}
	next := a.switching.next
	if d := a.switching.data; d != nil && a.project.DataBranch != d.to {
		next.Data = d.from // the swap did not happen: the data stays
	}
	a.mu.Lock()
	for name := range a.switching.failed {
		if br := next.Before.branchOf(name, ""); br != "" {
			next.Clones[name] = br
		} else {
			delete(next.Clones, name)
		}
	}
	a.mu.Unlock()
	return writeBranches(a.m.StateDir(), next)
}

// planSwitch plans a switch in the supervisor: the repos, then, when
// nothing blocks it, the data, with the stack's project even when no
// selected service needs infra (the data branch is the whole stack's).
func (s *Supervisor) planSwitch(ctx context.Context, a *apply, sw Switch, dryRun bool) error {
	if err := CheckDataMode(sw.Data); err != nil {
		return err
	}
	if err := a.planSwitch(ctx, sw, dryRun); err != nil {
		return err
	}
	if a.project == nil && len(a.m.Infra) > 0 {
		p, _, err := s.project(ctx, a.m, false)
		if err != nil {
			return err
		}
		a.project = p
	}
	return a.planData(ctx, sw.Data)
}
