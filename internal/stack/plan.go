package stack

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/crispify/crispify/internal/docker"
	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/manifest"
	"github.com/crispify/crispify/internal/repos"
	"github.com/crispify/crispify/internal/toolchain"
	"github.com/crispify/crispify/internal/workers"
)

// Plan is one boot: which services and infra, and how far to go with them.
type Plan struct {
	Manifest *manifest.Manifest
	// Services and Infra are the selection: what was named and everything
	// it transitively needs, in manifest order.
	Services []string
	Infra    []string

	// Clone clones missing repos; without it a missing repo fails its
	// service (crispify run starts what is on disk). Repos holds how.
	Clone bool
	Repos repos.Options

	Project    *docker.Project     // nil when the selection needs no infra
	Supervisor *workers.Supervisor // nil: no workers are started
	// Env composes a worker's or setup's environment.
	Env func(s *manifest.Service) ([]string, error)
}

// Node IDs of service steps.
func repoID(name string) string   { return "repo:" + name }
func setupID(name string) string  { return "setup:" + name }
func workerID(name string) string { return "worker:" + name }

// Graph builds the dependency graph of the plan: repo, then setup, then the
// worker; infra (network, images, containers) alongside; a worker waits for
// its repo and setup, the infra it needs healthy and the services it needs
// ready, and nothing else.
func (p *Plan) Graph(sink event.Sink) *Graph {
	g := &Graph{}
	if p.Project != nil && len(p.Infra) > 0 {
		AddInfra(g, p.Project, p.Infra)
	}
	jobs := p.Repos.Jobs
	if jobs < 1 {
		jobs = repos.DefaultJobs
	}
	cloneSlots := make(chan struct{}, jobs) // the repos' own fan-out limit, shared across nodes
	for _, name := range p.Services {
		s := p.Manifest.Services[name]
		g.Add(Node{ID: repoID(name), Kind: event.Repo, Name: name, Run: func(ctx context.Context) error {
			return p.repo(ctx, s, cloneSlots, sink)
		}})
		ready := repoID(name) // what a dependent of this service waits for
		if len(s.Setup) > 0 && p.Supervisor != nil {
			g.Add(Node{ID: setupID(name), Kind: event.Setup, Name: name, Needs: []string{repoID(name)}, Run: func(ctx context.Context) error {
				return p.setup(ctx, s, sink)
			}})
			ready = setupID(name)
		}
		if s.Run != "" && p.Supervisor != nil {
			g.Add(Node{ID: workerID(name), Kind: event.Worker, Name: name, Needs: append([]string{ready}, p.needs(s)...), Run: func(ctx context.Context) error {
				if len(s.Setup) == 0 { // issue 13 toolchain hook, see checkTools
					if err := p.checkTools(ctx, s, event.Worker, sink); err != nil {
						return err
					}
				}
				return p.worker(ctx, s)
			}})
		}
	}
	return g
}

// needs are the nodes a worker waits for beyond its own repo and setup.
func (p *Plan) needs(s *manifest.Service) []string {
	var out []string
	for _, n := range s.Needs {
		if _, ok := p.Manifest.Infra[n]; ok {
			out = append(out, InfraID(n))
			continue
		}
		dep := p.Manifest.Services[n]
		switch {
		case dep.Run != "" && p.Supervisor != nil:
			out = append(out, workerID(n))
		case len(dep.Setup) > 0 && p.Supervisor != nil:
			out = append(out, setupID(n))
		default:
			out = append(out, repoID(n))
		}
	}
	return out
}

func (p *Plan) repo(ctx context.Context, s *manifest.Service, slots chan struct{}, sink event.Sink) error {
	if !p.Clone {
		if _, err := os.Stat(filepath.Join(s.Dir, ".git")); err != nil {
			err := fmt.Errorf("repo %s is not cloned at %s: run `crispify repos %s` first", s.Name, s.Dir, s.Name)
			sink.Emit(event.Event{Kind: event.Repo, Name: s.Name, Phase: event.Failed, Error: err.Error()})
			return err
		}
		sink.Emit(event.Event{Kind: event.Repo, Name: s.Name, Phase: event.Unchanged, Msg: "present"})
		return nil
	}
	select {
	case slots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-slots }()
	r := repos.SyncOne(ctx, repos.Spec{Name: s.Name, URL: s.Repo, Branch: s.Branch, Dir: s.Dir}, p.Repos, sink)
	if r.Phase == event.Failed {
		return r.Err
	}
	return nil
}

func (p *Plan) setup(ctx context.Context, s *manifest.Service, sink event.Sink) error {
	env, err := p.Env(s)
	if err != nil {
		sink.Emit(event.Event{Kind: event.Setup, Name: s.Name, Phase: event.Failed, Error: err.Error()})
		return err
	}
	if err := p.checkTools(ctx, s, event.Setup, sink); err != nil { // issue 13 toolchain hook
		return err
	}
	return workers.RunSetup(ctx, p.Manifest.StateDir(), workers.Setup{
		Name: s.Name, Dir: s.Dir, Commands: s.Setup, When: s.SetupWhen, Env: env,
	}, sink)
}

// checkTools is the toolchain hook of issue 13, for the lead to carry into
// the new engine: before a service's setup (or its worker, when it has no
// setup), a node, go, ruby or python that is missing or of the wrong
// version fails that service, in doctor's words, and the others go on.
func (p *Plan) checkTools(ctx context.Context, s *manifest.Service, kind event.Kind, sink event.Sink) error {
	env, err := p.Env(s)
	if err != nil {
		return nil // the step itself reports a broken environment
	}
	if err := toolchain.Verify(ctx, p.Manifest, s, env); err != nil {
		sink.Emit(event.Event{Kind: kind, Name: s.Name, Phase: event.Failed, Error: err.Error()})
		return err
	}
	return nil
}

func (p *Plan) worker(ctx context.Context, s *manifest.Service) error {
	env, err := p.Env(s)
	if err != nil {
		return err
	}
	return p.Supervisor.Start(ctx, workers.Spec{
		Name: s.Name, Dir: s.Dir, Command: s.Run, Env: env,
		Replicas: s.Replicas, Restart: s.Restart, Ready: s.Ready,
	})
}

// StopOrder is the reverse of the dependency order of the selected workers:
// a worker stops before the workers it needs, those of one level together.
func (p *Plan) StopOrder() [][]string {
	depth := map[string]int{}
	var visit func(name string) int
	visit = func(name string) int {
		if d, ok := depth[name]; ok {
			return d
		}
		depth[name] = 0 // the manifest has no cycles; this only guards recursion
		d := 0
		for _, n := range p.Manifest.Services[name].Needs {
			if _, ok := p.Manifest.Services[n]; ok {
				d = max(d, visit(n)+1)
			}
		}
		depth[name] = d
		return d
	}
	deepest := 0
	for _, name := range p.Services {
		deepest = max(deepest, visit(name))
	}
	levels := make([][]string, deepest+1)
	for _, name := range p.Services {
		if p.Manifest.Services[name].Run == "" {
			continue
		}
		levels[deepest-depth[name]] = append(levels[deepest-depth[name]], name)
	}
	return levels
}
