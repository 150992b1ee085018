package dockerfake

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/crispify/crispify/internal/docker"
)

func (f *Engine) ContainerList(_ context.Context, labels map[string]string) ([]docker.Container, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.Unreachable != nil {
		return nil, f.Unreachable
	}
	var out []docker.Container
	for _, id := range slices.Sorted(maps.Keys(f.Containers)) {
		c := f.Containers[id]
		if matches(c.Labels, labels) {
			out = append(out, *c)
		}
	}
	return out, nil
}

func (f *Engine) lookup(idOrName string) (*docker.Container, error) {
	if c, ok := f.Containers[idOrName]; ok {
		return c, nil
	}
	for _, c := range f.Containers {
		if c.Name == idOrName {
			return c, nil
		}
	}
	return nil, fmt.Errorf("container %s: %w", idOrName, docker.ErrNotFound)
}

func (f *Engine) ContainerInspect(_ context.Context, id string) (docker.Container, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.lookup(id)
	if err != nil {
		return docker.Container{}, err
	}
	return *c, nil
}

func (f *Engine) ContainerCreate(_ context.Context, spec docker.ContainerSpec) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("create %s", spec.Name)
	if _, err := f.lookup(spec.Name); err == nil {
		return "", fmt.Errorf("conflict: the container name %q is already in use", spec.Name)
	}
	img, ok := f.Images[spec.Image]
	if !ok || !f.Local[spec.Image] {
		return "", fmt.Errorf("no such image: %s", spec.Image)
	}
	f.nextID++
	id := fmt.Sprintf("%064x", f.nextID)
	c := &docker.Container{ID: id, Name: spec.Name, Image: spec.Image, ImageID: img.ID, Labels: maps.Clone(spec.Labels), State: "created", Mounts: slices.Clone(spec.Mounts)}
	// As the engine does: a named volume that does not exist is made,
	// unlabelled, and a path the image declares a VOLUME and the spec
	// mounts nothing at gets an anonymous volume of its own.
	taken := map[string]bool{}
	for _, m := range spec.Mounts {
		taken[m.Destination] = true
		if _, ok := f.Volumes[m.Name]; m.Type == "volume" && !ok {
			f.Volumes[m.Name] = docker.Volume{Name: m.Name}
		}
	}
	for _, path := range img.Volumes {
		if taken[path] {
			continue
		}
		f.nextID++
		name := fmt.Sprintf("%064x", 1<<40+f.nextID)
		f.Volumes[name] = docker.Volume{Name: name}
		f.anonymous[id] = append(f.anonymous[id], name)
		c.Mounts = append(c.Mounts, docker.Mount{Type: "volume", Name: name, Destination: path})
	}
	f.Containers[id] = c
	f.specs[id] = spec
	return id, nil
}

func (f *Engine) ContainerStart(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.lookup(id)
	if err != nil {
		return err
	}
	f.record("start %s", c.Name)
	spec, img := f.specs[c.ID], f.Images[c.Image]
	c.State, c.StartedAt, c.ExitCode = "running", time.Now(), 0
	// The engine reports published ports from a map, in no order the
	// manifest gave: the fake reports them backwards, so that nothing
	// leans on their order.
	c.Ports = slices.Clone(spec.Ports)
	slices.Reverse(c.Ports)
	f.publish(c, "start")
	if img.ExitCode != 0 {
		c.State, c.ExitCode, c.Ports = "exited", img.ExitCode, nil
		f.publish(c, "die")
		return nil
	}
	if spec.Health != nil {
		c.Health = "healthy"
		if img.Health != "" {
			c.Health = img.Health
		}
		if c.Health == "unhealthy" {
			c.HealthOutput = "check failed"
		}
		if c.Health != "starting" {
			f.publish(c, "health_status: "+c.Health)
		}
	}
	return nil
}

func (f *Engine) ContainerStop(_ context.Context, id string, _ time.Duration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.lookup(id)
	if err != nil {
		return err
	}
	f.record("stop %s", c.Name)
	if c.State == "running" {
		c.State, c.ExitCode, c.Health, c.Ports = "exited", 0, "", nil
		f.publish(c, "die")
	}
	return nil
}

func (f *Engine) ContainerRemove(_ context.Context, id string, removeVolumes bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.lookup(id)
	if err != nil {
		return err
	}
	f.record("rm %s", c.Name)
	delete(f.Containers, c.ID)
	f.publish(c, "destroy")
	// As the engine does with -v: only the anonymous volumes made for this
	// container go, never one mounted by its name.
	if removeVolumes {
		for _, name := range f.anonymous[c.ID] {
			delete(f.Volumes, name)
		}
	}
	delete(f.anonymous, c.ID)
	return nil
}

func (f *Engine) ContainerRename(_ context.Context, id, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.lookup(id)
	if err != nil {
		return err
	}
	f.record("rename %s %s", c.Name, name)
	c.Name = name
	return nil
}
