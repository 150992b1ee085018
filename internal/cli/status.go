package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/crispify/crispify/internal/docker"
	"github.com/crispify/crispify/internal/manifest"
	"github.com/crispify/crispify/internal/ui"
)

// StatusOptions are the inputs of `crispify status`.
type StatusOptions struct {
	Deps   *Deps
	Global *GlobalOptions
	JSON   bool
	Watch  bool
}

// StatusRow is one line of `crispify status`, and one object of --json.
type StatusRow struct {
	Kind   string `json:"kind"`
	Name   string `json:"name"`
	State  string `json:"state"`
	Detail string `json:"detail"`
}

// NewCmdStatus builds `crispify status`.
func NewCmdStatus(deps *Deps, g *GlobalOptions, runF func(context.Context, *StatusOptions) error) *cobra.Command {
	opts := &StatusOptions{Deps: deps, Global: g}
	cmd := &cobra.Command{
		Use:   "status [--json] [--watch]",
		Short: "One table of every repo, container and worker: healthy, sick or dead",
		Long: `Show every repo, infra container and worker of the manifest with its state.

The exit code is 0 only when every infra container is healthy, so that
scripts can use it as a check: crispify status >/dev/null && run-tests`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return statusRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, `print an array of {"kind","name","state","detail"}`)
	cmd.Flags().BoolVar(&opts.Watch, "watch", false, "redraw every 2 seconds until interrupted")
	return cmd
}

func statusRun(ctx context.Context, opts *StatusOptions) error {
	io := opts.Deps.IO
	m, err := opts.Global.LoadManifest(io)
	if err != nil {
		return err
	}
	if !opts.Watch {
		rows, ok, err := collectStatus(ctx, opts.Deps, m)
		if err != nil {
			return err
		}
		return printStatus(opts, rows, ok)
	}
	for {
		rows, ok, err := collectStatus(ctx, opts.Deps, m)
		if err != nil {
			return err
		}
		if io.OutTTY {
			fmt.Fprint(io.Out, "\x1b[H\x1b[2J")
		}
		fmt.Fprintf(io.Out, "%s  (every 2s, Ctrl-C to stop)\n\n", time.Now().Format("15:04:05"))
		_ = printStatus(opts, rows, ok)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(2 * time.Second):
		}
	}
}

// collectStatus reads every row; ok is true when every infra is healthy.
func collectStatus(ctx context.Context, deps *Deps, m *manifest.Manifest) ([]StatusRow, bool, error) {
	rows := repoStatusRows(m)
	engine, _, err := deps.Docker(ctx)
	if err != nil {
		return nil, false, failed(err)
	}
	p := &docker.Project{Engine: engine, Manifest: m}
	infra, err := p.Status(ctx)
	if err != nil {
		return nil, false, failed(err)
	}
	ok := true
	for _, s := range infra {
		rows = append(rows, StatusRow{Kind: "infra", Name: s.Name, State: s.State, Detail: infraDetail(s)})
		ok = ok && s.State == docker.StateHealthy
	}
	return rows, ok, nil
}

func infraDetail(s docker.Status) string {
	detail := s.Detail
	if !s.Since.IsZero() {
		detail = joinNonEmpty(detail, "up "+since(s.Since))
	}
	for _, p := range s.Ports {
		detail = joinNonEmpty(detail, p)
	}
	return detail
}

func printStatus(opts *StatusOptions, rows []StatusRow, ok bool) error {
	io := opts.Deps.IO
	if opts.JSON {
		enc := json.NewEncoder(io.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rows); err != nil {
			return err
		}
	} else {
		table := make([]ui.Row, len(rows))
		for i, r := range rows {
			table[i] = ui.Row{Cells: []string{r.Kind, r.Name, r.State, r.Detail}, Class: stateClass(r.State), StateColumn: 2}
		}
		ui.Table(io.Out, io.Colour(opts.Global.NoColour, io.OutTTY), []string{"KIND", "NAME", "STATE", "DETAIL"}, table)
	}
	if !ok {
		return &ExitError{Code: ExitFailed}
	}
	return nil
}

func stateClass(state string) ui.Class {
	switch state {
	case "healthy", "ready", "cloned":
		return ui.Good
	case "sick", "starting", "missing":
		return ui.Warn
	case "dead", "failed":
		return ui.Bad
	}
	return ui.Idle
}

// since is a short, human duration: 42s, 5m, 3h, 2d.
func since(t time.Time) string {
	d := time.Since(t)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

func joinNonEmpty(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + ", " + b
}
