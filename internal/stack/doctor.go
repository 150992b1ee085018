package stack

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/crispify/crispify/internal/docker"
	"github.com/crispify/crispify/internal/manifest"
	"github.com/crispify/crispify/internal/repos"
)

// Check is one line of the doctor's report. A note is ok, but says what
// could not be checked or works with a caveat.
type Check struct {
	Name, Detail string
	OK, Note     bool
}

// minFreeDisk is what a workspace of forty repos and six images needs.
const minFreeDisk = 5 << 30

// Doctor checks what the stack of m needs before a run: the workspace's
// disk, every repo's remote with the credentials a clone would use, the
// Docker engine and its API version, and every host port the infra
// publishes. m may be nil (a manifest that does not load): then only the
// engine is checked.
func Doctor(ctx context.Context, m *manifest.Manifest, connect Connector) []Check {
	var checks []Check
	if m != nil {
		checks = append(checks, Check{Name: "manifest", Detail: fmt.Sprintf("%s: project %s, %d infra, %d services", m.File, m.Project, len(m.Infra), len(m.Services)), OK: true})
		checks = append(checks, diskCheck(m.WorkspaceDir))
		checks = append(checks, tokenCheck(m))
		checks = append(checks, gitChecks(ctx, m)...)
		checks = append(checks, toolChecks(ctx, m)...)
	}
	engine, ep, err := connect(ctx)
	if err != nil {
		return append(checks, Check{Name: "docker", Detail: err.Error()})
	}
	checks = append(checks, engineCheck(ctx, engine, ep))
	checks = append(checks, machineChecks(ctx, engine, ep)...)
	if m != nil {
		checks = append(checks, portChecks(ctx, engine, ep, m)...)
		checks = append(checks, laptopChecks(ctx, engine, ep, m)...)
	}
	return checks
}

// gitChecks asks every repo's remote whether it answers, with the
// credentials a clone would use, eight at once.
func gitChecks(ctx context.Context, m *manifest.Manifest) []Check {
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
	var checks []Check
	for _, err := range errs {
		if err != nil {
			checks = append(checks, Check{Name: "git", Detail: err.Error()})
		}
	}
	if len(checks) == 0 && len(names) > 0 {
		checks = append(checks, Check{Name: "git", Detail: fmt.Sprintf("all %d remotes answer with your credentials, and have their branch", len(names)), OK: true})
	}
	return checks
}

// versioner is what engineCheck asks of the engine.
type versioner interface {
	Version(ctx context.Context) (docker.Version, error)
}

func engineCheck(ctx context.Context, engine versioner, ep docker.Endpoint) Check {
	v, err := engine.Version(ctx)
	if err != nil {
		return Check{Name: "docker", Detail: fmt.Sprintf("%s (from %s) answers pings but not version: %v", ep.Host, ep.From, err)}
	}
	return Check{Name: "docker", Detail: fmt.Sprintf("%s (from %s): engine %s, API %s (%s/%s)", ep.Host, ep.From, v.Server, v.API, v.OS, v.Arch), OK: true}
}

func diskCheck(workspace string) Check {
	dir := workspace
	for { // the workspace may not exist yet: ask about the folder it will be in
		if _, err := os.Stat(dir); err == nil || filepath.Dir(dir) == dir {
			break
		}
		dir = filepath.Dir(dir)
	}
	free, err := freeDisk(dir)
	if err != nil {
		return Check{Name: "disk", Detail: fmt.Sprintf("free space of %s: %v", dir, err)}
	}
	detail := fmt.Sprintf("%.1f GiB free in %s", float64(free)/(1<<30), dir)
	if free < minFreeDisk {
		return Check{Name: "disk", Detail: detail + fmt.Sprintf(": under %d GiB; free some space before cloning and pulling", minFreeDisk>>30)}
	}
	return Check{Name: "disk", Detail: detail, OK: true}
}

func portChecks(ctx context.Context, engine docker.Engine, ep docker.Endpoint, m *manifest.Manifest) []Check {
	p := docker.NewProject(docker.ProjectOptions{Engine: engine, Manifest: m, Local: ep.Local()})
	if err := p.CheckReachable(); err != nil {
		return []Check{{Name: "ports", Detail: err.Error()}}
	}
	var checks []Check
	n := 0
	for _, name := range m.InfraNames() {
		n += len(m.Infra[name].Ports)
		if err := p.CheckPorts(ctx, name); err != nil {
			checks = append(checks, Check{Name: "ports", Detail: err.Error()})
		}
	}
	if len(checks) == 0 {
		where := ""
		if ep.SSH() {
			where = " on " + ep.Host + " and, where their tunnels end, here"
		} else if !ep.Local() {
			where = " on " + ep.Host
		}
		checks = append(checks, Check{Name: "ports", Detail: fmt.Sprintf("all %d host ports free%s, or held by this project", n, where), OK: true})
	}
	return checks
}
