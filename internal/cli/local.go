package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/crispify/crispify/internal/docker"
	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/manifest"
	"github.com/crispify/crispify/internal/repos"
	"github.com/crispify/crispify/internal/stack"
	"github.com/crispify/crispify/internal/workers"
)

// bootMode is how far a boot goes with repos.
type bootMode string

const (
	modeLocal  bootMode = "local"  // clone what is missing
	modeRun    bootMode = "run"    // only what is on disk
	modeRemote bootMode = "remote" // fetch and fast-forward, pull newer images
)

// LocalOptions are the inputs of `crispify`, `crispify local`, `run` and
// `remote`, and of the detached daemon they start.
type LocalOptions struct {
	Deps    *Deps
	Global  *GlobalOptions
	Mode    bootMode
	Names   []string
	Profile string
	Detach  bool
	Backend string
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
	cmd.Flags().StringVar(&opts.Backend, "git", repos.DefaultBackend, "git implementation: auto (go-git reads, your git writes), go-git or cli")
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
talk to it.`,
	modeRun: `Start the named workers (default all), with the infra and services they
need, from the repos already on disk: nothing is cloned or fetched.`,
	modeRemote: `The daily update: fetch every repo and fast-forward it (a dirty, ahead or
diverged repo is skipped, never reset), pull newer images, recreate the
containers that changed, re-run setup where its files changed, then boot as
crispify local does.`,
}

var bootExample = map[bootMode]string{
	modeLocal: `  crispify                       # everything
  crispify api billing           # these two and what they need
  crispify -d                    # in the background
  crispify --profile messaging   # the services of one profile`,
	modeRun:    `  crispify run api              # api and what it needs`,
	modeRemote: `  crispify remote -d`,
}

// bootRun is the whole of `crispify`: select, then boot in the foreground
// or hand the boot to a detached supervisor.
func bootRun(ctx context.Context, opts *LocalOptions) error {
	m, err := opts.Global.LoadManifest(opts.Deps.IO)
	if err != nil {
		return err
	}
	if opts.suggest != nil {
		known := append(m.ServiceNames(), m.InfraNames()...)
		for _, n := range opts.Names {
			if s := opts.suggest(n); len(s) > 0 && !slices.Contains(known, n) {
				return usageErrorf("unknown command or service %q: did you mean %s?", n, strings.Join(s, " or "))
			}
		}
	}
	sel, err := selectStack(m, opts.Names, opts.Profile)
	if err != nil {
		return err
	}
	if _, err := repos.BackendByName(opts.Backend); err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	if pid, ok := workers.DaemonPID(m.StateDir()); ok {
		return alreadyRunning(m, pid)
	}
	if opts.Detach {
		return detachRun(ctx, opts, m, sel)
	}
	return foregroundRun(ctx, opts, m, sel)
}

func alreadyRunning(m *manifest.Manifest, pid int) error {
	return failed(fmt.Errorf("the stack of %s already runs (supervisor pid %d): nothing changed; see it with `crispify status --watch`, stop it with `decrispify`", m.WorkspaceDir, pid))
}

// selection is what a boot touches: services and infra, in manifest order.
type selection struct {
	services, infra []string
}

// workers are the selected services that run a worker.
func (s selection) workers(m *manifest.Manifest) []string {
	var out []string
	for _, name := range s.services {
		if m.Services[name].Run != "" {
			out = append(out, name)
		}
	}
	return out
}

// selectStack resolves names and a profile into the services and infra to
// boot: the named ones (all, or those of the profile, when none are named)
// and everything they transitively need.
func selectStack(m *manifest.Manifest, names []string, profile string) (selection, error) {
	known := append(m.ServiceNames(), m.InfraNames()...)
	if err := unknownNames("service", names, known); err != nil {
		return selection{}, err
	}
	start := names
	if profile != "" {
		inProfile := m.Profile(profile)
		if len(inProfile) == 0 {
			return selection{}, usageErrorf("no service is in profile %q", profile)
		}
		if len(names) == 0 {
			start = inProfile
		} else {
			start = slices.DeleteFunc(slices.Clone(names), func(n string) bool { return !slices.Contains(inProfile, n) })
			if len(start) == 0 {
				return selection{}, usageErrorf("none of %s is in profile %q (it has %s)", strings.Join(names, ", "), profile, strings.Join(inProfile, ", "))
			}
		}
	}
	infra, services, err := m.Closure(start)
	if err != nil {
		return selection{}, &ExitError{Code: ExitUsage, Err: err}
	}
	return selection{services: services, infra: infra}, nil
}

// newSession builds the plan of a boot and the session that runs it: the
// engine connection when infra is selected, the supervisor, the workers'
// environment.
func newSession(ctx context.Context, opts *LocalOptions, m *manifest.Manifest, sel selection, hub *event.Hub) (*stack.Session, docker.Endpoint, error) {
	backend, err := repos.BackendByName(opts.Backend)
	if err != nil {
		return nil, docker.Endpoint{}, &ExitError{Code: ExitUsage, Err: err}
	}
	plan := &stack.Plan{
		Manifest: m, Services: sel.services, Infra: sel.infra,
		Clone: opts.Mode != modeRun,
		Repos: repos.Options{Update: opts.Mode == modeRemote, Backend: backend},
	}
	// Everything reports through one tally, so that the boot's counts and
	// summary see every repo, container and worker.
	sink := event.NewTally(hub)
	ep := docker.Endpoint{Host: "", From: "none"}
	if len(sel.infra) > 0 {
		engine, endpoint, err := opts.Deps.Docker(ctx)
		if err != nil {
			return nil, ep, failed(err)
		}
		ep = endpoint
		plan.Project = &docker.Project{Engine: engine, Manifest: m, Sink: sink, Pull: opts.Mode == modeRemote, Local: ep.Local()}
		// Issue 12 (remote engines), a hook for the lead to carry over: an
		// ssh:// engine's ports are forwarded here while the session runs.
		// The session should end them with plan.Project.Close() after its
		// workers stop; until then the process's exit does (Pdeathsig).
		plan.Project.Tunnels = docker.NewTunnels(ep, m.StateDir(), sink)
	}
	if len(sel.workers(m)) > 0 || hasSetup(m, sel) {
		sup, err := workers.New(workers.Options{StateDir: m.StateDir(), Sink: sink})
		if err != nil {
			return nil, ep, failed(err)
		}
		plan.Supervisor = sup
	}
	builtins := map[string]string{
		"CRISPIFY_HOST":      hostAddress(ep),
		"CRISPIFY_PROJECT":   m.Project,
		"CRISPIFY_WORKSPACE": m.WorkspaceDir,
	}
	plan.Env = func(s *manifest.Service) ([]string, error) {
		envFile := ""
		if s.EnvFile != "" {
			envFile = s.Dir + string(os.PathSeparator) + s.EnvFile
		}
		env, err := workers.Environment(os.Environ(), builtins, envFile, s.Env)
		if err != nil {
			return nil, fmt.Errorf("environment of service %s: %w", s.Name, err)
		}
		return env, nil
	}
	return stack.NewSession(plan, hub, sink), ep, nil
}

func hasSetup(m *manifest.Manifest, sel selection) bool {
	return slices.ContainsFunc(sel.services, func(n string) bool { return len(m.Services[n].Setup) > 0 })
}

// hostAddress is CRISPIFY_HOST: where infra ports are reachable.
func hostAddress(ep docker.Endpoint) string {
	if ep.Host == "" {
		return "127.0.0.1"
	}
	return ep.HostAddress()
}

// lockSession takes the workspace's supervisor lock and ends what an
// earlier crispify left running: the start of every session.
func lockSession(ctx context.Context, m *manifest.Manifest, sink event.Sink) (release func(), err error) {
	release, err = workers.LockDaemon(m.StateDir())
	if errors.Is(err, workers.ErrDaemonRunning) {
		pid, _ := workers.DaemonPID(m.StateDir())
		return nil, alreadyRunning(m, pid)
	}
	if err != nil {
		return nil, failed(err)
	}
	if _, err := workers.EndLeftovers(ctx, m.StateDir(), sink); err != nil {
		release()
		return nil, failed(err)
	}
	return release, nil
}
