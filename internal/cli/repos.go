package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/stack"
	"github.com/crispify/crispify/internal/ui"
)

// ReposOptions are the inputs of `crispify repos`.
type ReposOptions struct {
	Deps    *Deps
	Global  *GlobalOptions
	Update  bool
	Jobs    int
	Backend string
	Names   []string
}

// NewCmdRepos builds `crispify repos`. runF replaces the run in tests.
func NewCmdRepos(deps *Deps, g *GlobalOptions, runF func(context.Context, *ReposOptions) error) *cobra.Command {
	opts := &ReposOptions{Deps: deps, Global: g}
	cmd := &cobra.Command{
		Use:   "repos [--update] [NAME...]",
		Short: "Clone every missing service repo; with --update, fetch and fast-forward",
		Long: `Clone every service repo of the manifest that is not on disk yet, in parallel.

With --update, also fetch every present repo and fast-forward it. A repo that is
dirty, ahead, diverged, detached or on another branch is skipped with the reason:
crispify never resets, stashes or discards your work.`,
		Example: `  crispify repos                 # clone what is missing
  crispify repos --update        # and fast-forward the rest
  crispify repos api billing     # only these two`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Names = args
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return reposRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Update, "update", false, "fetch and fast-forward repos that are present")
	cmd.Flags().IntVar(&opts.Jobs, "jobs", 8, "repos worked on at once")
	cmd.Flags().StringVar(&opts.Backend, "git", stack.DefaultGitBackend, "git implementation: auto (go-git reads, your git writes), go-git or cli")
	return cmd
}

func reposRun(ctx context.Context, opts *ReposOptions) error {
	if opts.Jobs < 1 {
		return usageErrorf("--jobs %d: give at least 1", opts.Jobs)
	}
	if err := stack.CheckBackend(opts.Backend); err != nil {
		return exitFor(err)
	}
	st, err := opts.Global.openStack(opts.Deps)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	names := opts.Names
	if len(names) == 0 {
		names = st.Manifest.ServiceNames()
	}
	var results []stack.RepoResult
	return opts.Global.show(ctx, opts.Deps.IO, st.Manifest, &screen{services: names, ctrl: &controller{quit: cancelOnQuit(cancel)}},
		func(sink event.Sink) (err error) {
			results, err = st.Repos(ctx, opts.Names, stack.ReposOptions{Update: opts.Update, Jobs: opts.Jobs, Backend: opts.Backend}, sink)
			return err
		},
		func() { printRepoTable(opts.Deps.IO, opts.Global.NoColour, results) })
}

// printRepoTable is the summary a developer reads after a run: every repo,
// what happened to it, the git state it was left in, and why.
func printRepoTable(io *IOStreams, noColour bool, results []stack.RepoResult) {
	rows := make([]ui.Row, len(results))
	for i, r := range results {
		reason := r.Reason
		if r.Err != nil {
			reason = r.Err.Error()
		}
		git := ""
		if r.Git != nil {
			git = r.Git.String()
		}
		rows[i] = ui.Row{Cells: []string{r.Name, string(r.Phase), git, reason}, Class: ui.ClassOf(r.Phase), StateColumn: 1}
	}
	ui.Table(io.Out, io.Colour(noColour, io.OutTTY), []string{"REPO", "RESULT", "GIT", "REASON"}, rows)
}
