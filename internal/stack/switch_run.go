package stack

import (
	"context"
	"errors"

	"golang.org/x/sync/errgroup"

	"github.com/crispify/crispify/internal/event"
)

// Switch moves the stack to req.Switch's branch (crispify switch). A
// running stack does it in its supervisor, as an apply: every repo
// checked out, then the workers whose HEAD moved restarted, saying so.
// A stack no supervisor runs has its repos checked out here and starts
// nothing: the next boot starts it on the branch. With DryRun, only the
// plan is printed.
func (st *Stack) Switch(ctx context.Context, req Request, sink event.Sink) (Result, error) {
	if req.Switch == nil {
		return Result{Usage: true}, usageErrorf("switch: name a branch")
	}
	req.Mode = Local
	if req.DryRun {
		return st.Plan(ctx, req, sink)
	}
	c, err := st.Dial(ctx)
	if err == nil {
		return c.Apply(ctx, req, sink.Emit)
	}
	if !errors.Is(err, ErrNotRunning) {
		return Result{}, err
	}
	a, err := st.applyHere(ctx, req)
	if err != nil {
		return Result{Usage: IsUsage(err)}, err
	}
	tally := event.NewTally(sink)
	out := tally
	if err := st.planSwitchHere(ctx, a, *req.Switch, false, out); err != nil {
		return Result{Usage: IsUsage(err)}, err
	}
	if a.project != nil {
		defer a.project.Unlock()
	}
	out.Emit(event.Event{Kind: event.Stack, Phase: event.Started, Msg: "switch to " + a.switching.next.Branch + "; no stack runs: nothing is started"})
	// Every repo is tried, and every failure kept: one refused checkout
	// does not stop the others.
	clones := a.m.Clones(a.sel.Services)
	errs := make([]error, len(clones)+1)
	var g errgroup.Group
	g.SetLimit(8)
	for i, c := range clones {
		g.Go(func() error {
			done, err := a.switchRepo(ctx, c, out)
			if !done {
				out.Emit(event.Event{Kind: event.Repo, Name: c.Name, Phase: event.Unchanged, Msg: "stays on " + a.switching.steps[c.Name].To})
			}
			errs[i] = err
			return nil
		})
	}
	g.Wait()
	errs = append(errs, a.swapDataHere(ctx))
	errs[len(clones)] = a.recordSwitch()
	err = errors.Join(errs...)
	end := event.Event{Kind: event.Stack, Phase: event.Done, Counts: tally.Counts(), Msg: "the next crispify starts the stack on " + a.switching.next.Branch}
	if err != nil {
		end.Phase, end.Error = event.Failed, err.Error()
	}
	out.Emit(end)
	return Result{Settled: a.ordered(tally.Settled(event.Repo, event.Infra, event.Data)), Counts: end.Counts}, err
}

// swapDataHere is the data side of a switch with no supervisor: the infra
// that ran are brought up again on the new data (and the old data, if the
// swap failed), the others find it at the next boot.
func (a *apply) swapDataHere(ctx context.Context) error {
	if a.switching.data == nil {
		return nil
	}
	err := a.swapData(ctx)
	for _, name := range a.switching.data.running {
		if uerr := a.project.Up(ctx, name); uerr != nil {
			err = errors.Join(err, uerr)
		} else if a.project.DataBranch == a.switching.data.to {
			a.project.Swapped(name)
		}
	}
	return err
}

// planSwitchHere is Supervisor.planSwitch for a stack no supervisor runs:
// the repos, then the data, with a project of its own reporting to sink.
func (st *Stack) planSwitchHere(ctx context.Context, a *apply, sw Switch, dryRun bool, sink event.Sink) error {
	if err := CheckDataMode(sw.Data); err != nil {
		return err
	}
	if err := a.planSwitch(ctx, sw, dryRun); err != nil {
		return err
	}
	if len(a.m.Infra) == 0 {
		return nil
	}
	if a.project == nil {
		p, err := st.project(ctx, sink)
		if err != nil {
			return err
		}
		a.project = p
	}
	a.project.Sink = sink
	return a.planData(ctx, sw.Data)
}
