package dockerfake

import (
	"context"

	"github.com/crispify/crispify/internal/docker"
)

type sub struct {
	labels map[string]string
	ch     chan docker.ContainerEvent
	errs   chan error
	ctx    context.Context
}

func (f *Engine) Events(ctx context.Context, labels map[string]string) (<-chan docker.ContainerEvent, <-chan error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := &sub{labels: labels, ch: make(chan docker.ContainerEvent, 64), errs: make(chan error, 1), ctx: ctx}
	f.subscribed++
	if f.Unreachable != nil {
		s.errs <- f.Unreachable // as the SDK's stream fails to connect
		return s.ch, s.errs
	}
	f.subs = append(f.subs, s)
	return s.ch, s.errs
}

// publish sends an event to the subscribers whose labels match; called with
// the lock held, it never blocks (the buffers are generous for tests).
func (f *Engine) publish(c *docker.Container, action string) {
	e := docker.ContainerEvent{ID: c.ID, Name: c.Name, Action: action, ExitCode: c.ExitCode, Labels: c.Labels}
	live := f.subs[:0]
	for _, s := range f.subs {
		if s.ctx.Err() != nil {
			continue
		}
		live = append(live, s)
		if matches(c.Labels, s.labels) {
			select {
			case s.ch <- e:
			default:
			}
		}
	}
	f.subs = live
}

func matches(have, want map[string]string) bool {
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}
