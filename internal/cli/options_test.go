package cli

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/spf13/cobra"

	"github.com/crispify/crispify/internal/stack"
)

// errRan ends a command whose run function a test swapped: the flags were
// read, and nothing else happened.
var errRan = errors.New("ran")

// parse runs args through the command that newCmd builds, under a root
// with the global flags as NewCmdRoot makes it, and returns what its run
// function got: the command's options and the global ones.
func parse[O any](t *testing.T, newCmd func(*Deps, *GlobalOptions, func(context.Context, *O) error) *cobra.Command, args ...string) (*O, *GlobalOptions) {
	t.Helper()
	g := &GlobalOptions{}
	var got *O
	cmd := newCmd(&Deps{IO: &IOStreams{Getenv: func(string) string { return "" }}}, g, func(_ context.Context, o *O) error {
		got = o
		return errRan
	})
	root := &cobra.Command{Use: "crispify", SilenceUsage: true, SilenceErrors: true}
	addGlobalFlags(root, g)
	root.AddCommand(cmd)
	addFileFlag(cmd, g)
	root.SetArgs(append([]string{cmd.Name()}, args...))
	if err := root.Execute(); !errors.Is(err, errRan) {
		t.Fatalf("%s %v: %v", cmd.Name(), args, err)
	}
	return got, g
}

func bootCmd(mode bootMode) func(*Deps, *GlobalOptions, func(context.Context, *LocalOptions) error) *cobra.Command {
	return func(d *Deps, g *GlobalOptions, runF func(context.Context, *LocalOptions) error) *cobra.Command {
		return NewCmdLocal(d, g, mode, runF)
	}
}

func controlCmd(verb string) func(*Deps, *GlobalOptions, func(context.Context, *ControlOptions) error) *cobra.Command {
	return func(d *Deps, g *GlobalOptions, runF func(context.Context, *ControlOptions) error) *cobra.Command {
		return NewCmdControl(d, g, verb, runF)
	}
}

func TestBootFlagsBecomeOptions(t *testing.T) {
	for _, mode := range []bootMode{modeLocal, modeRun, modeRemote} {
		o, g := parse(t, bootCmd(mode), "-f", "m.yaml", "--workspace", "/ws", "--project", "p", "--output", "json", "--no-color", "-v",
			"-d", "--profile", "messaging", "-w", "--git", "cli", "--dry-run", "api", "mailer")
		want := GlobalOptions{ManifestPath: "m.yaml", Workspace: "/ws", Project: "p", Output: "json", NoColour: true, Verbose: true}
		if *g != want || o.Global != g {
			t.Errorf("%s: global options %+v", mode, *g)
		}
		if o.Mode != mode || !o.Detach || o.Profile != "messaging" || !o.Watch || o.Backend != "cli" || !o.DryRun ||
			!reflect.DeepEqual(o.Names, []string{"api", "mailer"}) {
			t.Errorf("%s: options %+v", mode, *o)
		}
		o, _ = parse(t, bootCmd(mode))
		if o.Detach || o.Watch || o.DryRun || o.Profile != "" || o.Backend != stack.DefaultGitBackend || len(o.Names) != 0 {
			t.Errorf("%s without flags: %+v", mode, *o)
		}
	}
}

// crispify without a command is crispify local, with the global flags
// before or after the names.
func TestTheRootsFlagsBecomeLocalOptions(t *testing.T) {
	var got *LocalOptions
	root := newCmdRoot(&Deps{IO: &IOStreams{Getenv: func(string) string { return "" }}}, func(_ context.Context, o *LocalOptions) error {
		got = o
		return errRan
	})
	root.SetArgs(globalFileFirst([]string{"-f", "m.yaml", "api", "-d", "--profile", "messaging", "--output", "plain", "mailer"}))
	if err := root.Execute(); !errors.Is(err, errRan) {
		t.Fatal(err)
	}
	if got.Mode != modeLocal || !got.Detach || got.Profile != "messaging" || got.Global.ManifestPath != "m.yaml" ||
		got.Global.Output != "plain" || !reflect.DeepEqual(got.Names, []string{"api", "mailer"}) || got.suggest == nil {
		t.Errorf("options %+v, global %+v", *got, *got.Global)
	}
}

func TestReposFlagsBecomeOptions(t *testing.T) {
	o, _ := parse(t, NewCmdRepos, "--update", "--jobs", "3", "--git", "go-git", "api")
	if !o.Update || o.Jobs != 3 || o.Backend != "go-git" || !reflect.DeepEqual(o.Names, []string{"api"}) {
		t.Errorf("options %+v", *o)
	}
	o, _ = parse(t, NewCmdRepos)
	if o.Update || o.Jobs != 8 || o.Backend != stack.DefaultGitBackend || len(o.Names) != 0 {
		t.Errorf("defaults %+v", *o)
	}
}

func TestInfraFlagsBecomeOptions(t *testing.T) {
	o, _ := parse(t, NewCmdInfra, "--pull", "redis", "mysql")
	if !o.Pull || !reflect.DeepEqual(o.Names, []string{"redis", "mysql"}) {
		t.Errorf("options %+v", *o)
	}
	if o, _ = parse(t, NewCmdInfra); o.Pull || len(o.Names) != 0 {
		t.Errorf("defaults %+v", *o)
	}
}

func TestStatusFlagsBecomeOptions(t *testing.T) {
	if o, _ := parse(t, NewCmdStatus, "--json", "--watch"); !o.JSON || !o.Watch {
		t.Errorf("options %+v", *o)
	}
	if o, _ := parse(t, NewCmdStatus); o.JSON || o.Watch {
		t.Errorf("defaults %+v", *o)
	}
}

// On logs, -f is --follow; the manifest is --file.
func TestLogsFlagsBecomeOptions(t *testing.T) {
	o, g := parse(t, NewCmdLogs, "-f", "--tail", "20", "--file", "m.yaml", "api", "redis")
	if !o.Follow || o.Tail != "20" || g.ManifestPath != "m.yaml" || !reflect.DeepEqual(o.Names, []string{"api", "redis"}) {
		t.Errorf("options %+v, manifest %q", *o, g.ManifestPath)
	}
	if o, _ := parse(t, NewCmdLogs); o.Follow || o.Tail != "all" || len(o.Names) != 0 {
		t.Errorf("defaults %+v", *o)
	}
}

func TestStopAndRestartFlagsBecomeOptions(t *testing.T) {
	for _, verb := range []string{verbStop, verbRestart} {
		o, _ := parse(t, controlCmd(verb), "api", "redis")
		if o.Verb != verb || !reflect.DeepEqual(o.Names, []string{"api", "redis"}) {
			t.Errorf("%s: options %+v", verb, *o)
		}
	}
}

func TestDownFlagsBecomeOptions(t *testing.T) {
	if o, _ := parse(t, NewCmdDown, "--volumes", "-y"); !o.Volumes || !o.Yes {
		t.Errorf("options %+v", *o)
	}
	if o, _ := parse(t, NewCmdDown); o.Volumes || o.Yes {
		t.Errorf("defaults %+v", *o)
	}
}

func TestDoctorValidateAndDaemonTakeTheGlobalFlags(t *testing.T) {
	if o, g := parse(t, NewCmdDoctor, "-f", "m.yaml"); o.Global != g || g.ManifestPath != "m.yaml" {
		t.Errorf("doctor: %+v", *g)
	}
	if o, g := parse(t, NewCmdValidate, "--file", "m.yaml"); o.Global != g || g.ManifestPath != "m.yaml" {
		t.Errorf("validate: %+v", *g)
	}
	o, g := parse(t, NewCmdDaemon, "--file", "m.yaml", "--workspace", "/ws", "--project", "p", "-v")
	if o.Global != g || *g != (GlobalOptions{ManifestPath: "m.yaml", Workspace: "/ws", Project: "p", Verbose: true}) {
		t.Errorf("daemon: %+v", *g)
	}
}
