package cli

import (
	"context"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/crispify/crispify/internal/stack"
)

// bootMode is how far a boot goes with repos: stack.Local, Run or Remote.
type bootMode = stack.Mode

const (
	modeLocal  = stack.Local
	modeRun    = stack.Run
	modeRemote = stack.Remote
)

// LocalOptions are the inputs of `crispify`, `crispify local`, `run` and
// `remote`.
type LocalOptions struct {
	Deps    *Deps
	Global  *GlobalOptions
	Mode    bootMode
	Names   []string
	Profile string
	Detach  bool
	Watch   bool
	Backend string
	// DryRun prints the plan of the apply and changes nothing.
	DryRun bool
	// suggest names commands close to a word: on the root command, a
	// name that is no service may be a mistyped command.
	suggest func(string) []string
}

// NewCmdLocal builds `crispify local`, `run` or `remote`; the root command
// runs local too.
func NewCmdLocal(deps *Deps, g *GlobalOptions, mode bootMode, runF func(context.Context, *LocalOptions) error) *cobra.Command {
	opts := &LocalOptions{Deps: deps, Global: g, Mode: mode}
	cmd := &cobra.Command{
		Use:     string(mode) + " [-d] [--profile P] [NAME...]",
		Short:   bootShort[mode],
		Long:    bootLong[mode],
		Example: bootExample[mode],
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Names = args
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return bootRun(cmd.Context(), opts)
		},
	}
	addBootFlags(cmd, opts)
	return cmd
}

func addBootFlags(cmd *cobra.Command, opts *LocalOptions) {
	cmd.Flags().BoolVarP(&opts.Detach, "detach", "d", false, "return once everything is up, leaving the workers to a background supervisor")
	cmd.Flags().StringVar(&opts.Profile, "profile", "", "start only the services of profile `P` (and what they need)")
	cmd.Flags().BoolVarP(&opts.Watch, "watch", "w", false, "restart a worker when its files change (set up again when a setup_when file did)")
	cmd.Flags().StringVar(&opts.Backend, "git", stack.DefaultGitBackend, "git implementation: auto (go-git reads, your git writes), go-git or cli")
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "print what would be cloned, fetched, pulled, recreated, set up, started, restarted (and why) and left, and change nothing")
}

var bootShort = map[bootMode]string{
	modeLocal:  "Clone what is missing, start the infra, run every worker: the whole stack",
	modeRun:    "Start the named workers (default all) and what they need, from the repos on disk",
	modeRemote: "Fetch and fast-forward every repo, pull newer images, then boot as local does",
}

var bootLong = map[bootMode]string{
	modeLocal: `Clone every service repo that is missing, start the infrastructure
containers and wait until each is healthy, run each service's setup, then run
every worker locally under supervision. Each step starts the moment what it
needs is done. NAME limits the stack to those services and what they need.

In the foreground, Ctrl-C (or q in the terminal UI) stops the workers cleanly
and leaves the infra running. With -d, crispify returns once everything is up
and a background supervisor keeps the workers; status, logs and decrispify
talk to it.

On a running stack (detached, or in the foreground in another terminal) it
applies instead: what is selected and does not run starts, a worker whose repo
moved, whose setup re-ran or whose manifest entry changed restarts (saying
why), and everything else is left alone.`,
	modeRun: `Start the named workers (default all), with the infra and services they
need, from the repos on disk: nothing is fetched or updated, and only a repo
that is missing (a service new in the manifest) is cloned. On a running stack,
only what does not run yet starts, and what changed restarts.`,
	modeRemote: `The daily update: fetch every repo and fast-forward it (a dirty, ahead or
diverged repo is skipped, never reset), pull newer images, recreate the
containers that changed, re-run setup where its files changed, then boot as
crispify local does. On a running stack, exactly the workers whose repo moved
or whose setup re-ran restart, rolling where they can; the rest keep their
pids.`,
}

var bootExample = map[bootMode]string{
	modeLocal: `  crispify                       # everything
  crispify api billing           # these two and what they need
  crispify -d                    # in the background
  crispify --watch api           # restart api whenever its files change
  crispify --profile messaging   # the services of one profile`,
	modeRun: `  crispify run api              # api and what it needs`,
	modeRemote: `  crispify remote                # on a running stack: restart only what changed
  crispify remote -d`,
}

// bootRun is the whole of `crispify`: select, then apply, in this process
// as the stack's supervisor, or through the one that runs it.
func bootRun(ctx context.Context, opts *LocalOptions) error {
	st, err := opts.Global.openStack(opts.Deps)
	if err != nil {
		return err
	}
	m := st.Manifest
	if opts.suggest != nil {
		known := append(m.ServiceNames(), m.InfraNames()...)
		for _, n := range opts.Names {
			if s := opts.suggest(n); len(s) > 0 && !slices.Contains(known, n) {
				return usageErrorf("unknown command or service %q: did you mean %s?", n, strings.Join(s, " or "))
			}
		}
	}
	sel, err := stack.Select(m, opts.Names, opts.Profile)
	if err != nil {
		return exitFor(err)
	}
	if err := stack.CheckBackend(opts.Backend); err != nil {
		return exitFor(err)
	}
	req := st.Request(opts.Mode, opts.Names, opts.Profile, opts.Backend, opts.Watch, opts.Deps.IO.environ())
	if opts.DryRun {
		return dryRun(ctx, opts, st, req)
	}
	return bootStack(ctx, opts, st, sel, req)
}
