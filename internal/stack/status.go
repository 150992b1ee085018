package stack

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/crispify/crispify/internal/docker"
	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/repos"
	"github.com/crispify/crispify/internal/workers"
)

// Row is one line of `crispify status`, and one object of --json.
type Row struct {
	Kind   string `json:"kind"`
	Name   string `json:"name"`
	State  string `json:"state"`
	Detail string `json:"detail"`
	// Git is a repo's git state, omitted elsewhere; it never counts
	// towards the exit code.
	Git *event.Git `json:"git,omitempty"`
}

// Status reads every repo, container and worker of the manifest. ok is
// true when every infra is healthy and every worker ready: what `crispify
// status` exits 0 on.
func (st *Stack) Status(ctx context.Context) (rows []Row, ok bool, err error) {
	rows = st.repoRows(ctx)
	ok = true
	if len(st.Manifest.Infra) > 0 {
		p, err := st.project(ctx, nil)
		if err != nil {
			return nil, false, err
		}
		infra, err := p.Status(ctx)
		if err != nil {
			return nil, false, err
		}
		for _, s := range infra {
			rows = append(rows, Row{Kind: "infra", Name: s.Name, State: s.State, Detail: infraDetail(s)})
			ok = ok && s.State == docker.StateHealthy
		}
	}
	workerRows, workersOK := st.workerRows(ctx)
	return append(rows, workerRows...), ok && workersOK, nil
}

// repoRows says of every service repo whether it is on disk and, when it
// is, its git state: branch, commits ahead of or behind its upstream,
// changes not committed, and whether it is on the manifest's branch. The
// state is shown, never judged: it has no part in the exit code. It is read
// in process and without a network: 40 repos take a few milliseconds.
// A repo of several services (one clone) is one row, named by its folder.
func (st *Stack) repoRows(ctx context.Context) []Row {
	var rows []Row
	for _, s := range st.Manifest.Clones(st.Manifest.ServiceNames()) {
		row := Row{Kind: "repo", Name: s.Name, State: "cloned", Detail: s.Dir}
		if _, err := os.Stat(filepath.Join(s.Dir, ".git")); err != nil {
			row.State, row.Detail = "missing", "run `crispify repos`"
			rows = append(rows, row)
			continue
		}
		gs, err := repos.ReadState(ctx, s.Dir, s.Branch)
		if err != nil {
			row.Detail = joinNonEmpty(s.Dir, "git state unknown: "+err.Error())
		} else {
			row.Git = &gs
			row.Detail = joinNonEmpty(gs.String(), s.Dir)
		}
		rows = append(rows, row)
	}
	return rows
}

// workerRows asks the project's supervisor, if one runs, for its workers;
// a worker it does not run is stopped.
func (st *Stack) workerRows(ctx context.Context) ([]Row, bool) {
	byName := map[string]workers.Status{}
	supervisor := ""
	if c, err := st.Dial(ctx); err == nil {
		supervisor = fmt.Sprintf(" (supervisor pid %d)", c.PID())
		if list, err := c.Status(ctx); err == nil {
			for _, s := range list {
				byName[s.Name] = s
			}
		}
	}
	var rows []Row
	ok := true
	for _, name := range st.Manifest.ServiceNames() {
		if st.Manifest.Services[name].Run == "" {
			continue
		}
		s, running := byName[name]
		row := Row{Kind: "worker", Name: name, State: string(event.Stopped), Detail: "not running: start it with `crispify run " + name + "`"}
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
		detail = joinNonEmpty(detail, "since "+Since(s.Since))
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
		detail = joinNonEmpty(detail, "up "+Since(s.Since))
	}
	for _, p := range s.Ports {
		detail = joinNonEmpty(detail, p)
	}
	return detail
}

// Since is a short, human duration: 42s, 5m, 3h, 2d.
func Since(t time.Time) string {
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
