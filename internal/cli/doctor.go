package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/crispify/crispify/internal/stack"
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
		Short: "Check what crispify needs: manifest, Docker engine, git access, disk space, free ports, toolchains, memory",
		Long: `Check everything crispify needs before a run and say what to fix:
the manifest is valid, every repo's remote answers with your credentials,
the Docker engine answers (and its API version), the workspace's disk has
room, and every host port the infra publishes is free. It lists every
service whose node, go, ruby or python is missing or of another version
than its repo or the manifest asks, with how to get it; and what breaks
the infra on a laptop: vm.max_map_count for Elasticsearch, the engine's
memory against what the infra needs, and the platform of each image
present against the engine's. Exits 1 when a check fails; a note does not.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return doctorRun(cmd.Context(), opts)
		},
	}
}

func doctorRun(ctx context.Context, opts *DoctorOptions) error {
	io := opts.Deps.IO
	var checks []stack.Check
	m, err := opts.Global.LoadManifest(io)
	if err != nil {
		checks = append(checks, stack.Check{Name: "manifest", Detail: firstLine(err.Error()) + ": run `crispify validate` for every problem"})
		m = nil
	}
	checks = append(checks, stack.Doctor(ctx, m, opts.Deps.Docker)...)
	colour := io.Colour(opts.Global.NoColour, io.OutTTY)
	allOK := true
	for _, c := range checks {
		mark, class := "ok  ", ui.Good
		if c.Note {
			mark, class = "note", ui.Warn
		}
		if !c.OK {
			mark, class, allOK = "FAIL", ui.Bad, false
		}
		fmt.Fprintf(io.Out, "%s  %-8s  %s\n", ui.Paint(colour, class, mark), c.Name, c.Detail)
	}
	if !allOK {
		return &ExitError{Code: ExitFailed}
	}
	return nil
}
