package dockerfake

import (
	"context"
	"time"

	"github.com/crispify/crispify/internal/docker"
)

// AddStats gives the container called name a reading that its stats
// streams read next, in the order added.
func (f *Engine) AddStats(name string, s docker.Stats) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.readings == nil {
		f.readings = map[string][]docker.Stats{}
	}
	f.readings[name] = append(f.readings[name], s)
}

// ContainerStats streams the readings AddStats gave the container, those
// given before the stream opened too, until ctx ends or the container no
// longer runs, as the engine's stream ends when it stops.
func (f *Engine) ContainerStats(ctx context.Context, id string, fn func(docker.Stats)) error {
	f.mu.Lock()
	c, err := f.lookup(id)
	if err == nil && f.Unreachable != nil {
		err = f.Unreachable
	}
	if err != nil {
		f.mu.Unlock()
		return err
	}
	f.record("stats %s", c.Name)
	name := c.Name
	f.mu.Unlock()
	next := 0
	for {
		f.mu.Lock()
		c, err := f.lookup(id)
		running := err == nil && c.State == "running"
		var news []docker.Stats
		if running && next < len(f.readings[name]) {
			news = append(news, f.readings[name][next:]...)
			next = len(f.readings[name])
		}
		f.mu.Unlock()
		if !running {
			return nil
		}
		for _, s := range news {
			fn(s)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Millisecond):
		}
	}
}

// ContainerStatsOnce is the latest reading AddStats gave a running
// container, or a zero one.
func (f *Engine) ContainerStatsOnce(_ context.Context, id string) (docker.Stats, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.Unreachable != nil {
		return docker.Stats{}, f.Unreachable
	}
	c, err := f.lookup(id)
	if err != nil {
		return docker.Stats{}, err
	}
	f.record("stats once %s", c.Name)
	if r := f.readings[c.Name]; len(r) > 0 {
		return r[len(r)-1], nil
	}
	return docker.Stats{}, nil
}
