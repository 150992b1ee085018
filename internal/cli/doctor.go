package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/spf13/cobra"

	"github.com/crispify/crispify/internal/docker"
	"github.com/crispify/crispify/internal/manifest"
	"github.com/crispify/crispify/internal/repos"
	"github.com/crispify/crispify/internal/ui"
)

// DoctorOptions are the inputs of `crispify doctor`.
type DoctorOptions struct {
	Deps   *Deps
	Global *GlobalOptions
}

// NewCmdDoctor builds `crispify doctor`.
func NewCmdDoctor(deps *Deps, g *GlobalOptions, runF func(context.Context, *DoctorOptions) error) *cobra.Command {
	opts := &DoctorOptions{Deps: deps, Global: g}
	return &cobra.Command{
		Use:   "doctor",
		Short: "Check what crispify needs: manifest, Docker engine, git access, disk space, free ports",
		Long: `Check everything crispify needs before a run and say what to fix:
the manifest is valid, every repo's remote answers with your credentials,
the Docker engine answers (and its API version), the workspace's disk has
room, and every host port the infra publishes is free. Exits 1 when a check
fails.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return doctorRun(cmd.Context(), opts)
		},
	}
}

// check is one line of the doctor's report.
type check struct {
	name, detail string
	ok           bool
}

// minFreeDisk is what a workspace of forty repos and six images needs.
const minFreeDisk = 5 << 30

func doctorRun(ctx context.Context, opts *DoctorOptions) error {
	io := opts.Deps.IO
	var checks []check
	m, err := opts.Global.LoadManifest(io)
	if err != nil {
		checks = append(checks, check{"manifest", firstLine(err.Error()) + ": run `crispify validate` for every problem", false})
	} else {
		checks = append(checks, check{"manifest", fmt.Sprintf("%s: project %s, %d infra, %d services", m.File, m.Project, len(m.Infra), len(m.Services)), true})
		checks = append(checks, diskCheck(m.WorkspaceDir))
		checks = append(checks, gitChecks(ctx, m)...)
	}
	engine, ep, err := opts.Deps.Docker(ctx)
	if err != nil {
		checks = append(checks, check{"docker", err.Error(), false})
	} else {
		checks = append(checks, engineCheck(ctx, engine, ep))
		checks = append(checks, machineChecks(ctx, engine, ep)...)
		if m != nil {
			checks = append(checks, portChecks(ctx, engine, ep, m)...)
		}
	}

	colour := io.Colour(opts.Global.NoColour, io.OutTTY)
	allOK := true
	for _, c := range checks {
		mark, class := "ok  ", ui.Good
		if !c.ok {
			mark, class, allOK = "FAIL", ui.Bad, false
		}
		fmt.Fprintf(io.Out, "%s  %-8s  %s\n", ui.Paint(colour, class, mark), c.name, c.detail)
	}
	if !allOK {
		return &ExitError{Code: ExitFailed}
	}
	return nil
}

// gitChecks asks every repo's remote whether it answers, with the
// credentials a clone would use, eight at once.
func gitChecks(ctx context.Context, m *manifest.Manifest) []check {
	names := m.ServiceNames()
	errs := make([]error, len(names))
	var g errgroup.Group
	g.SetLimit(repos.DefaultJobs)
	for i, name := range names {
		s := m.Services[name]
		g.Go(func() error {
			ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
			defer cancel()
			errs[i] = repos.Probe(ctx, repos.Spec{Name: name, URL: s.Repo, Branch: s.Branch})
			return nil
		})
	}
	g.Wait()
	var checks []check
	for _, err := range errs {
		if err != nil {
			checks = append(checks, check{"git", err.Error(), false})
		}
	}
	if len(checks) == 0 && len(names) > 0 {
		checks = append(checks, check{"git", fmt.Sprintf("all %d remotes answer with your credentials, and have their branch", len(names)), true})
	}
	return checks
}

func engineCheck(ctx context.Context, engine docker.Engine, ep docker.Endpoint) check {
	v, err := engine.Version(ctx)
	if err != nil {
		return check{"docker", fmt.Sprintf("%s (from %s) answers pings but not version: %v", ep.Host, ep.From, err), false}
	}
	return check{"docker", fmt.Sprintf("%s (from %s): engine %s, API %s (%s/%s)", ep.Host, ep.From, v.Server, v.API, v.OS, v.Arch), true}
}

func diskCheck(workspace string) check {
	dir := workspace
	for { // the workspace may not exist yet: ask about the folder it will be in
		if _, err := os.Stat(dir); err == nil || filepath.Dir(dir) == dir {
			break
		}
		dir = filepath.Dir(dir)
	}
	free, err := freeDisk(dir)
	if err != nil {
		return check{"disk", fmt.Sprintf("free space of %s: %v", dir, err), false}
	}
	detail := fmt.Sprintf("%.1f GiB free in %s", float64(free)/(1<<30), dir)
	if free < minFreeDisk {
		return check{"disk", detail + fmt.Sprintf(": under %d GiB; free some space before cloning and pulling", minFreeDisk>>30), false}
	}
	return check{"disk", detail, true}
}

func portChecks(ctx context.Context, engine docker.Engine, ep docker.Endpoint, m *manifest.Manifest) []check {
	p := &docker.Project{Engine: engine, Manifest: m, Local: ep.Local()}
	if err := p.CheckReachable(); err != nil {
		return []check{{"ports", err.Error(), false}}
	}
	var checks []check
	n := 0
	for _, name := range m.InfraNames() {
		n += len(m.Infra[name].Ports)
		if err := p.CheckPorts(ctx, name); err != nil {
			checks = append(checks, check{"ports", err.Error(), false})
		}
	}
	if len(checks) == 0 {
		where := ""
		if ep.SSH() {
			where = " on " + ep.Host + " and, where their tunnels end, here"
		} else if !ep.Local() {
			where = " on " + ep.Host
		}
		checks = append(checks, check{"ports", fmt.Sprintf("all %d host ports free%s, or held by this project", n, where), true})
	}
	return checks
}
