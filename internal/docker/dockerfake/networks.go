package dockerfake

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/crispify/crispify/internal/docker"
)

func (f *Engine) NetworkList(_ context.Context, name string) ([]docker.Network, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []docker.Network
	for _, id := range slices.Sorted(maps.Keys(f.Networks)) {
		if n := f.Networks[id]; n.Name == name {
			out = append(out, n)
		}
	}
	return out, nil
}

func (f *Engine) NetworkCreate(_ context.Context, name string, labels map[string]string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("network create %s", name)
	f.nextID++
	id := fmt.Sprintf("net-%03d-%s", f.nextID, name)
	f.Networks[id] = docker.Network{ID: id, Name: name, Labels: maps.Clone(labels)}
	return nil
}

func (f *Engine) NetworkRemove(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, ok := f.Networks[id]
	if !ok {
		return docker.ErrNotFound
	}
	f.record("network rm %s", n.Name)
	delete(f.Networks, id)
	return nil
}
