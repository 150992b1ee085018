package stack

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/crispify/crispify/internal/docker"
	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/workers"
)

// How a switch treats the data of a branch that has none yet (--data).
const (
	DataCopy  = "copy"  // copy the current branch's (the default)
	DataFresh = "fresh" // start empty
	DataKeep  = "keep"  // go on with the current branch's, not forking
)

// CheckDataMode refuses a --data value that is none of the three.
func CheckDataMode(mode string) error {
	switch mode {
	case "", DataCopy, DataFresh, DataKeep:
		return nil
	}
	return usageErrorf("--data %s: give copy (the current branch's data, the default), fresh (empty) or keep (go on with the current data)", mode)
}

// dataSwap is what a switch does to the infra's data (docs/design.md,
// "Data belongs to a branch"): the infra whose volumes fork, which of them
// ran, and the workers stopped while their data moves.
type dataSwap struct {
	from, to string   // data branches; "" is the manifest's
	mode     string   // --data: DataCopy ("") or DataFresh
	infra    []string // forking infra with volumes, the manifest's order
	running  []string // of infra: those that ran, brought up again after
	workers  []string // running workers that need one of infra
	stopped  map[string]workers.Spec
}

// planData decides the data side of a switch before anything stops: with
// --data keep, or a branch whose data is the current one, nothing moves.
// The infra that ran join the apply's selection, so that its graph brings
// them up again on the new data.
func (a *apply) planData(ctx context.Context, mode string) error {
	sw := a.switching
	from := sw.next.Before.Data
	if mode == DataKeep {
		sw.next.Data = from
	}
	if sw.next.Data == from || a.project == nil {
		sw.next.Data = from
		return nil
	}
	infra, err := a.project.Forking(ctx)
	if err != nil {
		return fmt.Errorf("switch the data to branch %s: %w", a.dataName(sw.next.Data), err)
	}
	if len(infra) == 0 {
		return nil
	}
	states, err := a.project.Status(ctx)
	if err != nil {
		return err
	}
	d := &dataSwap{from: from, to: sw.next.Data, mode: mode, infra: infra, stopped: map[string]workers.Spec{}}
	for _, st := range states {
		if slices.Contains(infra, st.Name) && st.State != docker.StateDead {
			d.running = append(d.running, st.Name)
			if !slices.Contains(a.sel.Infra, st.Name) {
				a.sel.Infra = append(a.sel.Infra, st.Name)
			}
		}
	}
	for _, name := range a.m.ServiceNames() {
		if _, running := a.runner.Running(name); !running {
			continue
		}
		needs, _, err := a.m.Closure([]string{name})
		if err != nil {
			return err
		}
		if slices.ContainsFunc(needs, func(n string) bool { return slices.Contains(infra, n) }) {
			d.workers = append(d.workers, name)
		}
	}
	sw.data = d
	return nil
}

// swapData moves the infra to the switch's data branch: the workers that
// need them stopped (those that need others first), each infra stopped
// gracefully (Redis saved first), the branch's data copied from the
// current one when it has none (or left to start empty), and the project
// set on the new branch; the apply's graph then brings them up on it and
// starts the workers again.
func (a *apply) swapData(ctx context.Context) error {
	if a.switching == nil || a.switching.data == nil {
		return nil
	}
	d := a.switching.data
	what := "switch the data to branch " + a.dataName(d.to)
	// Held until the apply ends: another crispify's Up, or its clean-up of
	// half copies, must not meet this one's copy.
	if err := a.project.Lock(ctx, d.infra); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	for _, level := range StopOrder(a.m, d.workers) {
		var wg sync.WaitGroup
		errs := make([]error, len(level))
		for i, name := range level {
			spec, _ := a.runner.Running(name)
			a.mu.Lock()
			d.stopped[name] = spec
			a.mu.Unlock()
			wg.Go(func() {
				if err := a.runner.Stop(ctx, name); err != nil {
					errs[i] = fmt.Errorf("%s: stop worker %s first: %w", what, name, err)
					return
				}
				a.sink.Emit(event.Event{Kind: event.Worker, Name: name, Phase: event.Stopped, Msg: "stopped while its data moves to branch " + a.dataName(d.to)})
			})
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return err
		}
	}
	// All at once: each waits on its own database's shutdown (RabbitMQ's
	// takes seconds), and one after another they added up.
	errs := make([]error, len(d.infra))
	var wg sync.WaitGroup
	for i, name := range d.infra {
		wg.Go(func() {
			if err := a.project.Quiesce(ctx, name); err != nil {
				errs[i] = fmt.Errorf("%s: %w", what, err)
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	to, from := a.dataName(d.to), a.dataName(d.from)
	have, err := a.project.BranchData(ctx, to, d.infra)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if !have && d.mode != DataFresh {
		if err := a.project.CopyBranch(ctx, from, to, d.infra); err != nil {
			return err
		}
	}
	a.project.DataBranch = d.to
	return nil
}

// dataName is a data branch as the docker package names it: the
// manifest's branch for "".
func (a *apply) dataName(b string) string { return dataNamed(a.m, b) }

// swappedWorker says why a worker starts after a switch stopped it for its
// data; "" for one it did not stop.
func (a *apply) swappedWorker(name string) string {
	if a.switching == nil || a.switching.data == nil {
		return ""
	}
	a.mu.Lock()
	_, ok := a.switching.data.stopped[name]
	a.mu.Unlock()
	if !ok {
		return ""
	}
	return "its data moved to branch " + a.dataName(a.switching.data.to)
}

// restartSwapped starts again, in dependency order, the workers the swap
// stopped that the apply did not select (and so did not start), each with
// the spec it ran with.
func (a *apply) restartSwapped(ctx context.Context) error {
	d := a.switching
	if d == nil || d.data == nil {
		return nil
	}
	if a.project.DataBranch == d.data.to {
		for _, name := range d.data.running {
			a.project.Swapped(name)
		}
	}
	var rest []string
	for name := range d.data.stopped {
		if !slices.Contains(a.sel.Services, name) {
			rest = append(rest, name)
		}
	}
	levels := StopOrder(a.m, rest)
	slices.Reverse(levels)
	var errs []error
	for _, level := range levels {
		for _, name := range level {
			spec := d.data.stopped[name]
			spec.Why = a.swappedWorker(name)
			if err := a.runner.Start(ctx, spec); err != nil {
				errs = append(errs, fmt.Errorf("start worker %s again after the data switch: %w", name, err))
			}
		}
	}
	return errors.Join(errs...)
}

// The actions of a switch's data steps in a plan.
const (
	planStopFor event.Phase = "stop"
	planCopy    event.Phase = "copy"
	planSwap    event.Phase = "swap"
	planFresh   event.Phase = "fresh"
)

// dataSteps are a switch's data moves as --dry-run prints them: the
// workers stopped meanwhile, and for each infra whether its data is
// copied, started empty or swapped to what the branch has.
func (a *apply) dataSteps(ctx context.Context) []planStep {
	if a.switching == nil || a.switching.data == nil {
		return nil
	}
	d := a.switching.data
	var steps []planStep
	for _, name := range d.workers {
		steps = append(steps, planStep{action: planStopFor, item: event.Worker, name: name, why: "while its data moves to branch " + a.dataName(d.to)})
	}
	have, err := a.project.HasBranchData(ctx, a.dataName(d.to), d.infra)
	for _, name := range d.infra {
		st := planStep{action: planSwap, item: event.Data, name: name, why: "to the data branch " + a.dataName(d.to) + " has"}
		switch {
		case err != nil:
			st.action, st.why = planFail, err.Error()
		case !have && d.mode == DataFresh:
			st.action, st.why = planFresh, "branch "+a.dataName(d.to)+" starts with no data"
		case !have:
			st.action, st.why = planCopy, "branch "+a.dataName(d.from)+"'s data, the first time on "+a.dataName(d.to)
		}
		steps = append(steps, st)
	}
	return steps
}
