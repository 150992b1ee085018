package dockerfake

import (
	"context"
	"maps"
	"slices"

	"github.com/crispify/crispify/internal/docker"
)

func (f *Engine) VolumeInspect(_ context.Context, name string) (docker.Volume, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.Volumes[name]
	if !ok {
		return v, docker.ErrNotFound
	}
	return v, nil
}

func (f *Engine) VolumeCreate(_ context.Context, name string, labels map[string]string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("volume create %s", name)
	f.Volumes[name] = docker.Volume{Name: name, Labels: maps.Clone(labels)}
	return nil
}

func (f *Engine) VolumeList(_ context.Context, labels map[string]string) ([]docker.Volume, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []docker.Volume
	for _, name := range slices.Sorted(maps.Keys(f.Volumes)) {
		if matches(f.Volumes[name].Labels, labels) {
			out = append(out, f.Volumes[name])
		}
	}
	return out, nil
}

func (f *Engine) VolumeRemove(_ context.Context, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("volume rm %s", name)
	if _, ok := f.Volumes[name]; !ok {
		return docker.ErrNotFound
	}
	delete(f.Volumes, name)
	return nil
}
