// Command reposync stands in for `crispify repos` in scripts/bench-repos.sh
// while the command line is being written: `reposync repos -f MANIFEST --git
// BACKEND [--update]` syncs the services of a manifest with package repos.
// It reads only what the script's manifests hold (workspace, defaults.branch,
// services' repo, branch, path).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"

	"gopkg.in/yaml.v3"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/repos"
)

type manifest struct {
	Workspace string
	Defaults  struct{ Branch string }
	Services  map[string]struct{ Repo, Branch, Path string }
}

func main() {
	args := os.Args[1:]
	if len(args) > 0 && args[0] == "repos" {
		args = args[1:]
	}
	fs := flag.NewFlagSet("reposync", flag.ExitOnError)
	file := fs.String("f", "crispify.yaml", "manifest")
	backend := fs.String("git", repos.DefaultBackend, "git backend: go-git or cli")
	update := fs.Bool("update", false, "fetch and fast-forward present repos")
	jobs := fs.Int("jobs", repos.DefaultJobs, "repos at once")
	_ = fs.Parse(args)
	if err := run(*file, *backend, *update, *jobs); err != nil {
		fmt.Fprintln(os.Stderr, "reposync:", err)
		os.Exit(1)
	}
}

func run(file, backendName string, update bool, jobs int) error {
	b, err := repos.BackendByName(backendName)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	var m manifest
	if err := yaml.Unmarshal(data, &m); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	abs, err := filepath.Abs(file)
	if err != nil {
		return err
	}
	ws := m.Workspace
	if !filepath.IsAbs(ws) {
		ws = filepath.Join(filepath.Dir(abs), ws)
	}
	var specs []repos.Spec
	for name, s := range m.Services {
		branch, path := s.Branch, s.Path
		if branch == "" {
			branch = m.Defaults.Branch
		}
		if path == "" {
			path = name
		}
		specs = append(specs, repos.Spec{Name: name, URL: s.Repo, Branch: branch, Dir: filepath.Join(ws, path)})
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	failed := 0
	for _, r := range repos.Sync(ctx, specs, repos.Options{Update: update, Jobs: jobs, Backend: b}, event.Discard) {
		if r.Phase == event.Failed {
			failed++
			fmt.Fprintln(os.Stderr, r.Err)
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d repos failed", failed, len(specs))
	}
	return nil
}
