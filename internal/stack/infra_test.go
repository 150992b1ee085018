package stack

import (
	"context"
	"testing"
	"time"

	"github.com/crispify/crispify/internal/docker"
	"github.com/crispify/crispify/internal/docker/dockerfake"
	"github.com/crispify/crispify/internal/manifest"
)

// The machine's lock on a project's infra is let go once every container is
// healthy: the workers that boot after them must not keep another
// terminal's `crispify infra` waiting.
func TestInfraLockIsLetGoOnceTheInfraIsHealthy(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir()) // where the lock lives
	t.Setenv("HOME", t.TempDir())           // (macOS's cache folder)
	m, err := manifest.Parse([]byte("version: 1\nproject: crisp\ninfra:\n  plain:\n    image: busybox:1\n"), "crispify.yaml", manifest.Options{Workspace: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	fake := dockerfake.New()
	fake.AddImage("busybox:1", dockerfake.Image{ID: "sha256:busybox"})
	p := docker.NewProject(docker.ProjectOptions{Engine: fake, Manifest: m, HealthTimeout: 5 * time.Second})
	other := docker.NewProject(docker.ProjectOptions{Engine: fake, Manifest: m}) // another terminal's run

	var g Graph
	AddInfra(&g, p, []string{"plain"})
	g.Add(Node{ID: "worker", Needs: []string{InfraID("plain")}, Run: func(ctx context.Context) error {
		// A worker still booting: the other run gets the lock meanwhile.
		ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		if err := other.Lock(ctx, nil); err != nil {
			t.Errorf("another run could not lock the infra while a worker booted: %v", err)
			return err
		}
		other.Unlock()
		return nil
	}})
	result, err := g.Run(context.Background(), &events{})
	if err != nil {
		t.Fatal(err)
	}
	if err := result.Err(&g); err != nil {
		t.Fatal(err)
	}
	p.Unlock()
}
