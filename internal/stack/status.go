package stack

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
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
	// Data is, on an infra row, the data branch whose volumes its
	// container mounts; "" on other rows and with no container. Always
	// in the JSON, as every field a script reads.
	Data string `json:"data"`
	// Queue is a queue row's figures (kind queue), omitted elsewhere.
	Queue *event.QueueState `json:"queue,omitempty"`
	// Git is a repo's git state, omitted elsewhere; it never counts
	// towards the exit code.
	Git *event.Git `json:"git,omitempty"`
	// CPU (percent of one core) and Memory (bytes) are what a running
	// worker or container costs; null elsewhere, always in the JSON.
	CPU    *float64 `json:"cpu"`
	Memory *uint64  `json:"memory"`
	pgids  []int    // a worker's process groups, whose figures these are
}

// Status reads every repo, container and worker of the manifest. ok is
// true when every infra is healthy and every worker ready: what `crispify
// status` exits 0 on. A supervisor that does not answer as one leaves its
// workers' state unknown: the rows say so, and err says why, with the rows.
func (st *Stack) Status(ctx context.Context) (rows []Row, ok bool, err error) {
	rows = st.repoRows(ctx)
	ok = true
	var engine docker.Engine
	if len(st.Manifest.Infra) > 0 {
		p, err := st.project(ctx, nil)
		if err != nil {
			return nil, false, err
		}
		infra, err := p.Status(ctx)
		if err != nil {
			return nil, false, err
		}
		engine = p.Engine
		next := ShownData(st.Manifest)
		for _, s := range infra {
			rows = append(rows, Row{Kind: "infra", Name: s.Name, State: s.State, Detail: joinNonEmpty(st.dataDetail(s, next), infraDetail(s)), Data: s.DataBranch})
			ok = ok && s.State == docker.StateHealthy
		}
	}
	workerRows, workersOK, err := st.workerRows(ctx)
	workerRows, noSurvivors := st.withSurvivors(workerRows)
	rows = append(rows, workerRows...)
	rows, queuesOK := st.queueRows(ctx, rows)
	st.withLoad(ctx, rows, engine)
	return rows, ok && workersOK && noSurvivors && queuesOK, err
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

// StateUnknown is the state of a worker whose supervisor did not answer.
const StateUnknown = "unknown"

// workerRows asks the project's supervisor, if one runs, for its workers;
// a worker it does not run is stopped. When no supervisor answers, that
// none runs is known (nothing listens on its socket), and so is that no
// worker does; when one listens but does not answer as one, nothing is
// known of its workers, and err says why.
func (st *Stack) workerRows(ctx context.Context) ([]Row, bool, error) {
	byName := map[string]workers.Status{}
	supervisor := ""
	c, err := st.Dial(ctx)
	if err == nil {
		supervisor = fmt.Sprintf(" (supervisor pid %d)", c.PID())
		var list []workers.Status
		if list, err = c.Status(ctx); err == nil {
			for _, s := range list {
				byName[s.Name] = s
			}
		}
	}
	if errors.Is(err, ErrNotRunning) {
		err = nil
	}
	var rows []Row
	ok := err == nil
	for _, name := range st.Manifest.ServiceNames() {
		if st.Manifest.Services[name].Run == "" {
			continue
		}
		s, running := byName[name]
		row := Row{Kind: "worker", Name: name, State: string(event.Stopped), Detail: "not running: start it with `crispify run " + name + "`"}
		switch {
		case err != nil:
			row.State, row.Detail = StateUnknown, "not known: "+unansweredBy(err)
		case running:
			row.State, row.Detail, row.pgids = string(s.State), workerDetail(s)+supervisor, s.PIDs
		}
		ok = ok && row.State == string(event.Ready)
		rows = append(rows, row)
	}
	// Workers that run but left the manifest are shown too: the next apply
	// stops them, and until then they hold what they hold.
	for _, s := range st.strays(byName) {
		rows = append(rows, Row{Kind: "worker", Name: s.Name, State: string(s.State), pgids: s.PIDs,
			Detail: joinNonEmpty(workerDetail(s)+supervisor, fmt.Sprintf("%s: the next apply stops it, `crispify stop %s` now", noLongerInManifest, s.Name))})
	}
	return rows, ok, err
}

// strays are the running workers of a supervisor whose service is not in
// the manifest, or runs nothing there, by name.
func (st *Stack) strays(byName map[string]workers.Status) []workers.Status {
	var out []workers.Status
	for _, name := range sortedKeys(byName) {
		s := byName[name]
		if svc := st.Manifest.Services[name]; svc != nil && svc.Run != "" {
			continue
		}
		switch s.State {
		case event.Starting, event.Ready, event.Sick, event.Restarting, event.Exited:
			out = append(out, s)
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// unansweredBy says in a few words which supervisor did not answer.
func unansweredBy(err error) string {
	var se *SupervisorError
	if !errors.As(err, &se) {
		return "the supervisor did not answer"
	}
	who := "the supervisor"
	if se.PID > 0 {
		who = fmt.Sprintf("the supervisor (pid %d)", se.PID)
	}
	if se.Stopped {
		return who + " is stopped"
	}
	return who + " " + se.What
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
