package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/stack"
)

// SwitchOptions are the inputs of `crispify switch`.
type SwitchOptions struct {
	Deps   *Deps
	Global *GlobalOptions
	Branch string
	Names  []string
	DryRun bool
	// Data is how a branch with no data yet gets its own: copy, fresh
	// or keep.
	Data string
}

// NewCmdSwitch builds `crispify switch`. runF replaces the run in tests.
func NewCmdSwitch(deps *Deps, g *GlobalOptions, runF func(context.Context, *SwitchOptions) error) *cobra.Command {
	opts := &SwitchOptions{Deps: deps, Global: g}
	cmd := &cobra.Command{
		Use:   "switch BRANCH [NAME...]",
		Short: "Move every repo that has BRANCH to it, the others to the manifest's branch, and restart what moved",
		Long: `Move the stack to another branch. Every selected repo is read first, all at
once: a repo that has BRANCH (locally, or on origin as last fetched, which it
then tracks) goes to it, the others go to the manifest's branch. If any repo
cannot switch (uncommitted changes the branch would overwrite, a merge or rebase
under way, a detached HEAD with commits no branch holds), nothing changes and
each such repo is named with what to do.

On a running stack, the workers whose HEAD moved restart, saying so ("checked
out feature-x"); the others keep running. On a stopped stack, the repos are
checked out and nothing is started. The stack then keeps each repo on its
branch: crispify remote updates that branch.

The infra's data follows: its named volumes belong to a data branch. The first
switch to a branch copies the current branch's data to it (--data copy), or
starts it empty (--data fresh); --data keep goes on with the current data, and
an infra with "data: shared" in the manifest never forks. The branch left keeps
its data untouched, and switching back to it is a swap, with no copy. Only
stopped containers are copied (Redis saves first), and the workers that need
them are stopped first and started after.

"crispify switch -" goes back to where the last switch came from.`,
		Example: `  crispify switch feature-x          # every repo that has feature-x
  crispify switch feature-x api      # api and what it needs only
  crispify switch --dry-run feature-x
  crispify switch -                  # back`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Branch, opts.Names = args[0], args[1:]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return switchRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "print what each repo, infra and worker would do, and change nothing")
	cmd.Flags().StringVar(&opts.Data, "data", stack.DataCopy, "a branch with no data yet: `copy` the current branch's, start fresh (empty), or keep using the current data")
	return cmd
}

func switchRun(ctx context.Context, opts *SwitchOptions) error {
	st, err := opts.Global.openStack(opts.Deps)
	if err != nil {
		return err
	}
	io := opts.Deps.IO
	req := st.Request(stack.Local, opts.Names, "", "", false, io.environ())
	if err := stack.CheckDataMode(opts.Data); err != nil {
		return exitFor(err)
	}
	req.Switch = &stack.Switch{Branch: opts.Branch, Data: opts.Data}
	req.DryRun = opts.DryRun
	if opts.DryRun {
		return switchPlan(ctx, opts, st, req)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sel, err := stack.Select(st.Manifest, opts.Names, "")
	if err != nil {
		return exitFor(err)
	}
	var res stack.Result
	return opts.Global.show(ctx, io, st.Manifest, &screen{services: sel.Services, ctrl: &controller{quit: cancelOnQuit(cancel)}},
		func(sink event.Sink) (err error) {
			res, err = st.Switch(ctx, req, sink)
			if res.Usage && err != nil {
				err = &stack.UsageError{Err: err}
			}
			return err
		},
		func() { printSettled(io, opts.Global.NoColour, res.Settled, "ITEM") })
}

// switchPlan prints the plan of a switch (--dry-run).
func switchPlan(ctx context.Context, opts *SwitchOptions, st *stack.Stack, req stack.Request) error {
	return opts.Global.showPlan(opts.Deps.IO, func(sink event.Sink) (stack.Result, error) {
		return st.Switch(ctx, req, sink)
	})
}
