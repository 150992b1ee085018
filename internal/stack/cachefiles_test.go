package stack

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/crispify/crispify/internal/docker"
	"github.com/crispify/crispify/internal/docker/dockerfake"
	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/manifest"
)

// A teardown leaves nothing of its project in the user's cache: the
// project's lock file (locks/<project>.lock), made by the boot, goes with
// decrispify (issue 19); another project's stays.
func TestDownRemovesTheProjectsFilesFromTheUsersCache(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache) // where the lock lives
	t.Setenv("HOME", t.TempDir())     // (macOS's cache folder)
	m, err := manifest.Parse([]byte("version: 1\nproject: crisp\ninfra:\n  plain:\n    image: busybox:1\n"), "crispify.yaml", manifest.Options{Workspace: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	fake := dockerfake.New()
	fake.AddImage("busybox:1", dockerfake.Image{ID: "sha256:busybox"})
	st := &Stack{Manifest: m, Connect: func(context.Context) (docker.Engine, docker.Endpoint, error) {
		return fake, docker.Endpoint{Host: "unix:///var/run/docker.sock"}, nil
	}}
	if _, err := st.Infra(context.Background(), nil, false, &events{}); err != nil {
		t.Fatal(err)
	}
	userCache, err := os.UserCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	lock := filepath.Join(userCache, "crispify", "locks", "crisp.lock")
	other := filepath.Join(userCache, "crispify", "locks", "other.lock")
	if err := os.WriteFile(other, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(lock); err != nil {
		t.Fatalf("the boot made no lock file where this test looks: %v", err)
	}
	if _, err := st.Down(context.Background(), DownOptions{}, event.Discard); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(lock); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s is left after the teardown: %v", lock, err)
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("another project's lock went too: %v", err)
	}
}
