package stack

import (
	"context"
	"os"
	"path/filepath"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/manifest"
	"github.com/crispify/crispify/internal/repos"
	"github.com/crispify/crispify/internal/workers"
)

// The actions of a plan step (event.Plan's phases).
const (
	planClone    event.Phase = "clone"
	planFetch    event.Phase = "fetch"
	planPull     event.Phase = "pull"
	planSetup    event.Phase = "setup"
	planStart    event.Phase = "start"
	planRestart  event.Phase = "restart"
	planLeave    event.Phase = "leave"
	planFail     event.Phase = "fail"
	dryRunTotals             = "dry run: nothing was changed"
)

// dryRun says what the apply would do, step by step, and changes nothing
// but what `git fetch` changes: a remote run fetches, so that its plan
// knows what a fast-forward would bring (the working copies, HEADs,
// containers and workers stay as they are). It decides with the functions
// the apply decides with; what only the run can know (a setup's outcome, a
// fetch racing a push) may still turn a leave into a restart, and the
// apply's summary says so.
func (a *apply) dryRun(ctx context.Context, sink event.Sink) {
	step := func(action event.Phase, item event.Kind, name, why string) {
		sink.Emit(event.Event{Kind: event.Plan, Phase: action, Item: item, Name: name, Msg: why})
	}
	if a.project != nil {
		for _, name := range a.sel.Infra {
			pl, err := a.project.PlanUp(ctx, name)
			if err != nil {
				step(planFail, event.Infra, name, err.Error())
				continue
			}
			if pl.Pull != "" {
				step(planPull, event.Image, a.m.Infra[name].Image, pl.Pull)
			}
			step(event.Phase(pl.Action), event.Infra, name, pl.Why)
		}
	}
	for _, name := range a.removed {
		step(planStop, event.Worker, name, noLongerInManifest)
	}
	for _, st := range a.dataSteps(ctx) {
		step(st.action, st.item, st.name, st.why)
	}
	for _, st := range a.serviceSteps(ctx, a.planRepo) {
		step(st.action, st.item, st.name, st.why)
	}
}

// planStep is one line of a plan: what the apply does to one item, and why.
type planStep struct {
	action event.Phase
	item   event.Kind
	name   string
	why    string
	head   string // a repo step's: the clone's commit once it is done
}

// serviceSteps plans the repos, setups and workers of the selected
// services; repo says how each clone would be found, and at which commit.
// The dry run and the plan an apply makes before it runs (expect) both
// decide here, with the functions the apply decides with.
func (a *apply) serviceSteps(ctx context.Context, repo func(context.Context, manifest.Clone) (event.Phase, string, string)) []planStep {
	var steps []planStep
	heads := map[string]string{} // each clone's HEAD once the apply is done
	for _, c := range a.m.Clones(a.sel.Services) {
		action, why, head := repo(ctx, c)
		steps = append(steps, planStep{action: action, item: event.Repo, name: c.Name, why: why, head: head})
		heads[c.Name] = head
	}
	for _, name := range a.sel.Services {
		s := a.m.Services[name]
		head := heads[s.CloneName()]
		env, err := a.env(s)
		if err != nil {
			steps = append(steps, planStep{action: planFail, item: event.Worker, name: name, why: err.Error()})
			continue
		}
		setup := workers.SetupRun{}
		if len(s.Setup) > 0 {
			setup = a.planSetup(ctx, s, env, head)
			action := planLeave
			if setup.Ran {
				action = planSetup
			}
			steps = append(steps, planStep{action: action, item: event.Setup, name: name, why: setup.Why})
		}
		if s.Run == "" {
			continue
		}
		d := a.decideWorker(ctx, s, shapeOf(s, env), head, setup, false)
		st := planStep{action: planLeave, item: event.Worker, name: name, why: d.why}
		switch d.action {
		case actStart:
			st.action, st.why = planStart, "not running"
		case actRestart:
			st.action = planRestart
		}
		steps = append(steps, st)
	}
	return steps
}

// planRepo says what the apply would do to one clone, and the commit it
// would be at after: "" when it is not cloned yet.
func (a *apply) planRepo(ctx context.Context, c manifest.Clone) (action event.Phase, why, head string) {
	if action, why, head, ok := a.planSwitchRepo(c); ok {
		return action, why, head
	}
	if _, err := os.Stat(filepath.Join(c.Dir, ".git")); a.mode == Run && err == nil {
		head, _ = a.head(c.Dir)
		return planLeave, "present; run does not fetch", head
	}
	opts := a.repoOpts
	opts.DryRun = true
	r := a.sync(ctx, cloneSpec(c, a.kept), opts, event.Discard)
	head, _ = a.head(c.Dir)
	switch {
	case r.Phase == event.Cloning:
		return planClone, r.Reason, ""
	case r.Phase == event.Updating && r.To != "":
		return planFetch, r.Reason, r.To
	case r.Phase == event.Failed:
		return planFail, r.Reason, head
	case r.Phase == event.Skipped:
		return planLeave, "not updated: " + r.Reason, head
	case a.mode == Remote:
		return planFetch, r.Reason, head
	}
	return planLeave, r.Reason, head
}

// planSetup says whether s's setup would run with its clone at head.
func (a *apply) planSetup(ctx context.Context, s *manifest.Service, env []string, head string) workers.SetupRun {
	if head == "" {
		return workers.SetupRun{Ran: true, Why: "first setup here"}
	}
	src := a.source(ctx, s)
	if src != nil && src.Head != head {
		// A fast-forward to come: the files as that commit has them.
		src = scopedSource(s, repos.Source{Head: head, Changes: src.Changes}, a.changed)
	}
	run, why, err := workers.SetupNeeded(ctx, a.m.StateDir(), setupOf(s, env, src, nil))
	if err != nil {
		return workers.SetupRun{Ran: true, Why: err.Error()}
	}
	return workers.SetupRun{Ran: run, Why: why}
}

// planOnly runs the dry run between the stack events a requester reads.
func (a *apply) planOnly(ctx context.Context, sink event.Sink) Result {
	sink.Emit(event.Event{Kind: event.Stack, Phase: event.Started, Msg: "plan of " + a.summary()})
	counts := map[event.Phase]int{}
	a.dryRun(ctx, event.SinkFunc(func(e event.Event) {
		counts[e.Phase]++
		sink.Emit(e)
	}))
	sink.Emit(event.Event{Kind: event.Stack, Phase: event.Done, Msg: dryRunTotals, Counts: counts})
	return Result{Counts: counts}
}
