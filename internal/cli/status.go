package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/crispify/crispify/internal/docker"
	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/manifest"
	"github.com/crispify/crispify/internal/ui"
	"github.com/crispify/crispify/internal/workers"
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
	// Git is a repo's git state (repostatus.go), omitted elsewhere; it
	// never counts towards the exit code.
	Git *event.Git `json:"git,omitempty"`
}

// NewCmdStatus builds `crispify status`.
func NewCmdStatus(deps *Deps, g *GlobalOptions, runF func(context.Context, *StatusOptions) error) *cobra.Command {
	opts := &StatusOptions{Deps: deps, Global: g}
	cmd := &cobra.Command{
		Use:   "status [--json] [--watch]",
		Short: "One table of every repo, container and worker: healthy, sick or dead",
		Long: `Show every repo, infra container and worker of the manifest with its state.

The exit code is 0 only when every infra container is healthy and every
worker ready, so that scripts can use it as a check:
crispify status >/dev/null && run-tests`,
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
	if opts.Watch && !opts.JSON {
		if mode, _ := io.OutputMode(opts.Global.Output); mode == OutputTUI {
			if client, err := workers.Dial(ctx, m.StateDir()); err == nil {
				return watchBoard(ctx, opts, m, client)
			}
		}
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

// watchBoard opens the live board of the terminal UI on a running stack:
// the supervisor replays the state of everything, then streams. q closes
// the board and leaves the stack running.
func watchBoard(ctx context.Context, opts *StatusOptions, m *manifest.Manifest, client *workers.Client) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ctrl := &controller{quit: cancelOnQuit(cancel), workers: clientControl{client}}
	endpoint := ""
	if len(m.Infra) > 0 {
		if engine, ep, err := opts.Deps.Docker(ctx); err == nil {
			ctrl.project = &docker.Project{Engine: engine, Manifest: m, Local: ep.Local()}
			endpoint = ep.Host
		}
	}
	services := m.ServiceNames()
	var workerNames []string
	for _, n := range services {
		if m.Services[n].Run != "" {
			workerNames = append(workerNames, n)
		}
	}
	q := event.NewQueue()
	out, err := opts.Global.startStreamFrom(ctx, opts.Deps.IO, m, &screen{endpoint: endpoint, board: true, services: services, infra: m.InfraNames(), workers: workerNames, ctrl: ctrl}, q)
	if err != nil {
		return err
	}
	go func() {
		defer q.Close()
		client.Events(ctx, q.Emit)
	}()
	<-out.Done()
	cancel()
	return out.Close()
}

// collectStatus reads every row; ok is true when every infra is healthy
// and every worker ready.
func collectStatus(ctx context.Context, deps *Deps, m *manifest.Manifest) ([]StatusRow, bool, error) {
	rows := repoStatusRows(m)
	ok := true
	if len(m.Infra) > 0 {
		engine, _, err := deps.Docker(ctx)
		if err != nil {
			return nil, false, failed(err)
		}
		p := &docker.Project{Engine: engine, Manifest: m}
		infra, err := p.Status(ctx)
		if err != nil {
			return nil, false, failed(err)
		}
		for _, s := range infra {
			rows = append(rows, StatusRow{Kind: "infra", Name: s.Name, State: s.State, Detail: infraDetail(s)})
			ok = ok && s.State == docker.StateHealthy
		}
	}
	workerRows, workersOK := workerStatusRows(ctx, m)
	return append(rows, workerRows...), ok && workersOK, nil
}

// workerStatusRows asks the supervisor of this workspace, if one runs, for
// its workers; a worker it does not run is stopped.
func workerStatusRows(ctx context.Context, m *manifest.Manifest) ([]StatusRow, bool) {
	byName := map[string]workers.Status{}
	supervisor := ""
	if client, err := workers.Dial(ctx, m.StateDir()); err == nil {
		supervisor = fmt.Sprintf(" (supervisor pid %d)", client.PID())
		if list, err := client.Status(ctx); err == nil {
			for _, s := range list {
				byName[s.Name] = s
			}
		}
	}
	var rows []StatusRow
	ok := true
	for _, name := range m.ServiceNames() {
		if m.Services[name].Run == "" {
			continue
		}
		s, running := byName[name]
		row := StatusRow{Kind: "worker", Name: name, State: string(event.Stopped), Detail: "not running: start it with `crispify run " + name + "`"}
		if running {
			row.State, row.Detail = string(s.State), workerDetail(s)+supervisor
		}
		ok = ok && row.State == string(event.Ready)
		rows = append(rows, row)
	}
	return rows, ok
}

func workerDetail(s workers.Status) string {
	var parts []string
	for _, pid := range s.PIDs {
		parts = append(parts, fmt.Sprintf("pid %d", pid))
	}
	detail := strings.Join(parts, " ")
	if !s.Since.IsZero() {
		detail = joinNonEmpty(detail, "since "+since(s.Since))
	}
	if s.Restarts > 0 {
		detail = joinNonEmpty(detail, fmt.Sprintf("%d restarts", s.Restarts))
	}
	if s.LastExit != nil {
		detail = joinNonEmpty(detail, fmt.Sprintf("last exit %d", *s.LastExit))
	}
	return joinNonEmpty(detail, s.Detail)
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
