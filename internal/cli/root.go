package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/spf13/cobra"

	"github.com/crispify/crispify/internal/build"
	"github.com/crispify/crispify/internal/manifest"
	"github.com/crispify/crispify/internal/stack"
)

// Deps is what commands need from the outside world; tests give their own.
type Deps struct {
	IO *IOStreams
	// Docker connects to the engine, pinging it first.
	Docker stack.Connector
	// Program is what the user called crispify by (its argv[0]): hints name
	// crispify and decrispify the same way (see hintCommand).
	Program string
}

// NewDeps returns the dependencies of the real world.
func NewDeps(io *IOStreams) *Deps {
	return &Deps{IO: io, Docker: stack.EngineFrom(io.Getenv)}
}

// GlobalOptions are the flags every command shares.
type GlobalOptions struct {
	ManifestPath string
	Workspace    string
	Project      string
	Output       string
	NoColour     bool
	Verbose      bool
}

// NewCmdRoot builds the whole command tree.
func NewCmdRoot(deps *Deps) *cobra.Command { return newCmdRoot(deps, nil) }

// newCmdRoot is NewCmdRoot whose own run, `crispify` without a command,
// runF replaces.
func newCmdRoot(deps *Deps, runF func(context.Context, *LocalOptions) error) *cobra.Command {
	g := &GlobalOptions{}
	local := &LocalOptions{Deps: deps, Global: g, Mode: modeLocal}
	root := &cobra.Command{
		Use:   "crispify [NAME...]",
		Short: "The whole product running on your laptop, with one command",
		Long: `crispify clones every service repo of a manifest, starts the infrastructure
containers, runs every worker locally and shows it all live.

Without a command it is ` + "`crispify local`" + `: the whole stack, or the named
services and what they need.`,
		Example:       bootExample[modeLocal],
		Version:       build.Version(),
		Args:          cobra.ArbitraryArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.RunE = func(cmd *cobra.Command, args []string) error {
		local.Names = args
		local.suggest = cmd.SuggestionsFor
		if runF != nil {
			return runF(cmd.Context(), local)
		}
		return bootRun(cmd.Context(), local)
	}
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		if err := deps.IO.SetOutput(g.Output, g.Verbose); err != nil {
			return err
		}
		if g.Verbose {
			cmd.SetContext(verbose(cmd.Context(), deps.IO))
		}
		return nil
	}
	root.SuggestionsMinimumDistance = 2
	addBootFlags(root, local)
	root.SetIn(deps.IO.In)
	root.SetOut(deps.IO.Out)
	root.SetErr(deps.IO.ErrOut)
	root.SetVersionTemplate(build.String("crispify") + "\n")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &ExitError{Code: ExitUsage, Err: err}
	})

	addGlobalFlags(root, g)

	root.AddCommand(
		NewCmdLocal(deps, g, modeLocal, nil),
		NewCmdLocal(deps, g, modeRun, nil),
		NewCmdLocal(deps, g, modeRemote, nil),
		NewCmdRepos(deps, g, nil),
		NewCmdInfra(deps, g, nil),
		NewCmdStatus(deps, g, nil),
		NewCmdTop(deps, g, nil),
		NewCmdLogs(deps, g, nil),
		NewCmdControl(deps, g, verbStop, nil),
		NewCmdControl(deps, g, verbRestart, nil),
		NewCmdSwitch(deps, g, nil),
		NewCmdData(deps, g),
		NewCmdDown(deps, g, nil),
		NewCmdDoctor(deps, g, nil),
		NewCmdValidate(deps, g, nil),
		NewCmdVersion(deps),
		NewCmdCompletion(deps),
		NewCmdDaemon(deps, g, nil),
		NewCmdWatchdog(),
	)
	for _, c := range root.Commands() {
		wrapArgs(c)
		addFileFlag(c, g)
	}
	return root
}

// addGlobalFlags gives root the flags every command shares.
func addGlobalFlags(root *cobra.Command, g *GlobalOptions) {
	flags := root.PersistentFlags()
	flags.StringVar(&g.ManifestPath, "file", "", fileUsage)
	flags.StringVar(&g.Workspace, "workspace", "", "where repos live, `DIR` (default $CRISPIFY_WORKSPACE, else the manifest's workspace)")
	flags.StringVar(&g.Project, "project", "", "project `NAME` for containers, network and volumes (default $CRISPIFY_PROJECT, else the manifest's project)")
	flags.StringVar(&g.Output, "output", "", "tui, plain or json (default tui on a terminal, plain otherwise)")
	flags.BoolVar(&g.NoColour, "no-color", false, "no colour (also NO_COLOR)")
	flags.BoolVarP(&g.Verbose, "verbose", "v", false, "show on stderr every git command and Docker API call crispify makes, secrets masked")
}

// addFileFlag gives a command -f for --file: everywhere but in logs, where
// it is --follow as in `docker logs -f`. A local flag of the same name
// shadows the persistent one, which is how the two can share the letter.
func addFileFlag(c *cobra.Command, g *GlobalOptions) {
	if c.Name() != "logs" {
		c.Flags().StringVarP(&g.ManifestPath, "file", "f", "", fileUsage)
	}
}

const fileUsage = "manifest `FILE` (default $CRISPIFY_MANIFEST, else ./crispify.yaml)"

// wrapArgs makes a command's argument errors usage errors (exit 2).
func wrapArgs(c *cobra.Command) {
	if c.Args == nil {
		return
	}
	check := c.Args
	c.Args = func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return &ExitError{Code: ExitUsage, Err: fmt.Errorf("%w\nrun '%s --help' for usage", err, cmd.CommandPath())}
		}
		return nil
	}
}

// manifestPath resolves -f, then $CRISPIFY_MANIFEST, then ./crispify.yaml.
func (g *GlobalOptions) manifestPath(io *IOStreams) string {
	if g.ManifestPath != "" {
		return g.ManifestPath
	}
	if p := io.Getenv("CRISPIFY_MANIFEST"); p != "" {
		return p
	}
	return "crispify.yaml"
}

// LoadManifest loads and validates the manifest. Every manifest mistake,
// including a missing file, is a usage error: exit 2.
func (g *GlobalOptions) LoadManifest(io *IOStreams) (*manifest.Manifest, error) {
	workspace := g.Workspace
	if workspace == "" {
		workspace = io.Getenv("CRISPIFY_WORKSPACE")
	}
	project := g.Project
	if project == "" {
		project = io.Getenv("CRISPIFY_PROJECT")
	}
	path := g.manifestPath(io)
	m, err := manifest.Load(path, manifest.Options{Workspace: workspace, Project: project, LookupEnv: func(k string) (string, bool) {
		v := io.Getenv(k)
		return v, v != ""
	}})
	if err == nil {
		return m, nil
	}
	if errors.Is(err, fs.ErrNotExist) {
		return nil, usageErrorf("no manifest at %s: pass -f FILE, set CRISPIFY_MANIFEST, or run crispify in the folder of crispify.yaml", path)
	}
	return nil, &ExitError{Code: ExitUsage, Err: err}
}

// openStack loads the manifest and returns its stack, reached through deps.
func (g *GlobalOptions) openStack(deps *Deps) (*stack.Stack, error) {
	m, err := g.LoadManifest(deps.IO)
	if err != nil {
		return nil, err
	}
	return &stack.Stack{Manifest: m, Connect: deps.Docker, Getenv: deps.IO.Getenv}, nil
}
