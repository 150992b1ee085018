package stack

import (
	"context"
	"sync"

	"github.com/crispify/crispify/internal/manifest"
	"github.com/crispify/crispify/internal/repos"
	"github.com/crispify/crispify/internal/workers"
)

// cloneSpec is what the repos package is asked to clone or update for one
// working copy: named as the clone, so that a repo of several services is
// shown, fetched and updated once.
func cloneSpec(c manifest.Clone, kept branches) repos.Spec {
	return repos.Spec{Name: c.Name, URL: c.Repo, Branch: kept.branchOf(c.Name, c.Branch), Dir: c.Dir}
}

// sourceRead is one clone's files as an apply first read them: every
// setup of the clone compares against the same reading.
type sourceRead struct {
	once sync.Once
	src  repos.Source
	err  error
}

// source is what of its clone shapes s, for a setup with no setup_when:
// HEAD, and the working tree's changes under s's paths. Nil when the clone
// cannot be read with git (the setup then runs when its commands change).
func (a *apply) source(ctx context.Context, s *manifest.Service) *workers.Source {
	if len(s.SetupWhen) > 0 || a.readSource == nil {
		return nil
	}
	a.mu.Lock()
	r := a.sources[s.CloneName()]
	if r == nil {
		r = &sourceRead{}
		a.sources[s.CloneName()] = r
	}
	a.mu.Unlock()
	r.once.Do(func() { r.src, r.err = a.readSource(ctx, s.Dir) })
	if r.err != nil {
		return nil
	}
	return scopedSource(s, r.src, a.changed)
}

// scopedSource is the part of a clone's source that shapes s: the changes
// under its paths, and a Since that lists only those.
func scopedSource(s *manifest.Service, read repos.Source, changed func(ctx context.Context, dir, from, to string) ([]string, error)) *workers.Source {
	scope := s.Scope()
	src := &workers.Source{Head: read.Head, Changes: map[string]string{}}
	for f, sum := range read.Changes {
		if f == "*" || manifest.InScope(scope, f) {
			src.Changes[f] = sum
		}
	}
	dir, head := s.Dir, read.Head
	src.Since = func(ctx context.Context, from string) ([]string, error) {
		files, err := changed(ctx, dir, from, head)
		return inScope(scope, files), err
	}
	return src
}

// setupOf is a service's setup as an apply and a save under --watch both
// run it: in its dir, its setup_when read from the repo's top, else its
// source, and the toolchain checked just before a command runs.
func setupOf(s *manifest.Service, env []string, src *workers.Source, before func(context.Context) error) workers.Setup {
	return workers.Setup{
		Name: s.Name, Dir: s.RunDir(), Root: s.Dir, Commands: s.Setup, When: s.SetupWhen, Env: env,
		Source: src, Scope: manifest.ScopeText(s.Scope()), Before: before,
	}
}

// touched reports whether the clone's move from one commit to another
// changed a file under s's paths. When that cannot be told, it did.
func (a *apply) touched(ctx context.Context, s *manifest.Service, from, to string) bool {
	scope := s.Scope()
	if scope == nil || a.changed == nil {
		return true
	}
	files, err := a.changed(ctx, s.Dir, from, to)
	return err != nil || len(inScope(scope, files)) > 0
}

// inScope keeps the files under scope.
func inScope(scope []string, files []string) []string {
	var out []string
	for _, f := range files {
		if manifest.InScope(scope, f) {
			out = append(out, f)
		}
	}
	return out
}
