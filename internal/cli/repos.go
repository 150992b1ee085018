package cli

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/manifest"
	"github.com/crispify/crispify/internal/repos"
	"github.com/crispify/crispify/internal/ui"
)

// ReposOptions are the inputs of `crispify repos`.
type ReposOptions struct {
	IO      *IOStreams
	Global  *GlobalOptions
	Update  bool
	Jobs    int
	Backend string
	Names   []string
}

// NewCmdRepos builds `crispify repos`. runF replaces the run in tests.
func NewCmdRepos(deps *Deps, g *GlobalOptions, runF func(context.Context, *ReposOptions) error) *cobra.Command {
	opts := &ReposOptions{IO: deps.IO, Global: g}
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
	cmd.Flags().StringVar(&opts.Backend, "git", repos.DefaultBackend, "git implementation: auto (go-git reads, your git writes), go-git or cli")
	return cmd
}

func reposRun(ctx context.Context, opts *ReposOptions) error {
	if opts.Jobs < 1 {
		return usageErrorf("--jobs %d: give at least 1", opts.Jobs)
	}
	backend, err := repos.BackendByName(opts.Backend)
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	m, err := opts.Global.LoadManifest(opts.IO)
	if err != nil {
		return err
	}
	if err := unknownNames("service", opts.Names, m.ServiceNames()); err != nil {
		return err
	}
	specs := repoSpecs(m, opts.Names)

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	names := make([]string, len(specs))
	for i, s := range specs {
		names[i] = s.Name
	}
	out, err := opts.Global.startStream(ctx, opts.IO, m, &screen{services: names, ctrl: &controller{quit: cancelOnQuit(cancel)}})
	if err != nil {
		return err
	}
	out.Emit(event.Event{Kind: event.Stack, Phase: event.Started, Msg: fmt.Sprintf("%d repos in %s", len(specs), m.WorkspaceDir)})
	results := repos.Sync(ctx, specs, repos.Options{Update: opts.Update, Jobs: opts.Jobs, Backend: backend}, out)
	counts, failedNames := tally(results)
	end := event.Event{Kind: event.Stack, Phase: event.Done, Counts: counts}
	if len(failedNames) > 0 {
		end.Phase = event.Failed
	}
	out.Emit(end)
	if err := out.Close(); err != nil {
		return err
	}

	if ctx.Err() != nil {
		return errInterrupted
	}
	if out.mode == OutputPlain { // the terminal UI's last frame is its own summary
		printRepoTable(opts.IO, opts.Global.NoColour, results)
	}
	if len(failedNames) > 0 {
		return failed(fmt.Errorf("%d of %d repos failed: %s", len(failedNames), len(results), strings.Join(failedNames, ", ")))
	}
	return nil
}

// repoSpecs lists the repos to work on: the named services, else all, in
// manifest order.
func repoSpecs(m *manifest.Manifest, names []string) []repos.Spec {
	var specs []repos.Spec
	for _, name := range m.ServiceNames() {
		if len(names) > 0 && !slices.Contains(names, name) {
			continue
		}
		s := m.Services[name]
		specs = append(specs, repos.Spec{Name: name, URL: s.Repo, Branch: s.Branch, Dir: s.Dir})
	}
	return specs
}

// tally counts results by phase and names the failed ones.
func tally(results []repos.Result) (map[event.Phase]int, []string) {
	counts := map[event.Phase]int{}
	var failedNames []string
	for _, r := range results {
		counts[r.Phase]++
		if r.Phase == event.Failed {
			failedNames = append(failedNames, r.Name)
		}
	}
	return counts, failedNames
}

// printRepoTable is the summary a developer reads after a run: every repo,
// what happened to it, the git state it was left in, and why.
func printRepoTable(io *IOStreams, noColour bool, results []repos.Result) {
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
