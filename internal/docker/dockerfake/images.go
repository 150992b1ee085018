package dockerfake

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/crispify/crispify/internal/docker"
)

func (f *Engine) ImageInspect(_ context.Context, ref string) (docker.Image, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.Unreachable != nil {
		return docker.Image{}, f.Unreachable
	}
	if !f.Local[ref] {
		return docker.Image{}, fmt.Errorf("image %s: %w", ref, docker.ErrNotFound)
	}
	img := f.Images[ref]
	return docker.Image{ID: img.ID, RepoDigests: slices.Clone(img.RepoDigests), Volumes: slices.Sorted(slices.Values(img.Volumes))}, nil
}

func (f *Engine) ImagePull(_ context.Context, ref string, progress func(float64, string)) error {
	f.mu.Lock()
	f.record("pull %s", ref)
	img, ok := f.Images[ref]
	f.mu.Unlock()
	if !ok {
		return fmt.Errorf("pull access denied for %s, repository does not exist", ref)
	}
	if img.PullError != nil {
		return img.PullError
	}
	for _, p := range []float64{0.25, 0.5, 1} {
		progress(p, "Downloading")
	}
	f.mu.Lock()
	f.Local[ref] = true
	if len(img.RepoDigests) == 0 {
		name, _, _ := strings.Cut(ref, ":")
		img.RepoDigests = []string{name + "@sha256:" + strings.Repeat("0", 64)}
	}
	f.mu.Unlock()
	return nil
}
