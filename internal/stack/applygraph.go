package stack

import (
	"context"
	"fmt"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/manifest"
	"github.com/crispify/crispify/internal/repos"
)

// clonePool is the graph's pool of repo steps: a clone, fetch or checkout
// each, Jobs at a time.
const clonePool = "clones"

// Node IDs of service steps.
func repoID(name string) string   { return "repo:" + name }
func setupID(name string) string  { return "setup:" + name }
func workerID(name string) string { return "worker:" + name }

// graph is the dependency graph of the apply: repo, then setup, then the
// worker; infra (network, images, containers) alongside; a worker waits for
// its repo and setup, the infra it needs healthy and the services it needs
// ready, and nothing else.
func (a *apply) graph() *Graph {
	g := &Graph{}
	if a.project != nil {
		AddInfra(g, a.project, a.sel.Infra)
	}
	jobs := a.repoOpts.Jobs
	if jobs < 1 {
		jobs = repos.DefaultJobs
	}
	g.LimitPool(clonePool, jobs) // the repos' own fan-out limit
	sink := a.sink
	for _, c := range a.m.Clones(a.sel.Services) {
		g.Add(Node{ID: repoID(c.Name), Kind: event.Repo, Name: c.Name, Pool: clonePool, Run: func(ctx context.Context) error {
			return a.repo(ctx, c, sink)
		}})
	}
	for _, name := range a.sel.Services {
		s := a.m.Services[name]
		ready := repoID(s.CloneName()) // what a dependent of this service waits for
		if len(s.Setup) > 0 {
			g.Add(Node{ID: setupID(name), Kind: event.Setup, Name: name, Needs: []string{repoID(s.CloneName())}, Run: func(ctx context.Context) error {
				return a.runSetup(ctx, s, sink)
			}})
			ready = setupID(name)
		}
		if s.Run != "" {
			g.Add(Node{ID: workerID(name), Kind: event.Worker, Name: name, Needs: append([]string{ready}, a.needs(s)...),
				Run:        func(ctx context.Context) error { return a.worker(ctx, s, sink) },
				NeedFailed: func(ne *NeedError) { a.workerNotTouched(s, ne, sink) },
			})
		}
	}
	return g
}

// needs are the nodes a worker waits for beyond its own repo and setup.
func (a *apply) needs(s *manifest.Service) []string {
	var out []string
	for _, n := range s.Needs {
		if _, ok := a.m.Infra[n]; ok {
			out = append(out, InfraID(n))
			continue
		}
		dep := a.m.Services[n]
		switch {
		case dep.Run != "":
			out = append(out, workerID(n))
		case len(dep.Setup) > 0:
			out = append(out, setupID(n))
		default:
			out = append(out, repoID(dep.CloneName()))
		}
	}
	return out
}

// items are the kind and name of everything the apply touches: what its
// requester hears about.
func (a *apply) items() map[item]bool {
	out := map[item]bool{}
	for _, name := range a.sel.Services {
		s := a.m.Services[name]
		out[item{event.Repo, s.CloneName()}] = true
		if len(s.Setup) > 0 {
			out[item{event.Setup, name}] = true
		}
		if s.Run != "" {
			out[item{event.Worker, name}] = true
		}
	}
	for _, name := range a.sel.Infra {
		out[item{event.Infra, name}] = true
		out[item{event.Image, a.m.Infra[name].Image}] = true
		out[item{event.Data, name}] = true
	}
	for _, name := range a.removed {
		out[item{event.Worker, name}] = true
	}
	return out
}

func (a *apply) summary() string {
	if a.switching != nil {
		return fmt.Sprintf("switch to %s: %d repos, %d infra, %d workers of project %s", a.switching.next.Branch, len(a.m.Clones(a.sel.Services)), len(a.sel.Infra), len(a.sel.Workers(a.m)), a.m.Project)
	}
	return fmt.Sprintf("%d repos, %d infra, %d workers of project %s", len(a.m.Clones(a.sel.Services)), len(a.sel.Infra), len(a.sel.Workers(a.m)), a.m.Project)
}
