package docker

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/manifest"
)

// Project is one manifest's infrastructure on one engine: everything crispify
// does to containers goes through it, and it touches only what carries the
// project's label.
type Project struct {
	Engine   Engine
	Manifest *manifest.Manifest
	Sink     event.Sink
	// Pull asks the registry for a newer image even when one is present.
	Pull bool
	// Local is true when the engine publishes ports on this machine, so
	// that ports can be checked before starting.
	Local bool
	// StopTimeout is how long a container gets between SIGTERM and SIGKILL.
	StopTimeout time.Duration
	// HealthTimeout bounds the wait for a container without a health check
	// budget of its own; zero derives it from the health check.
	HealthTimeout time.Duration

	lead    *lead      // see ChooseLead
	timesMu sync.Mutex // guards the file of health times
}

// labels selects everything of this project.
func (p *Project) labels() map[string]string {
	return map[string]string{LabelProject: p.Manifest.Project}
}

func (p *Project) emit(e event.Event) {
	if p.Sink != nil {
		p.Sink.Emit(e)
	}
}

func (p *Project) stopTimeout() time.Duration {
	if p.StopTimeout > 0 {
		return p.StopTimeout
	}
	return 10 * time.Second
}

// EnsureNetwork makes the project's bridge network exist. A network of that
// name without the project's label is someone else's: crispify does not use
// or change it.
func (p *Project) EnsureNetwork(ctx context.Context) error {
	name := p.Manifest.Project
	n, err := p.Engine.NetworkInspect(ctx, name)
	switch {
	case err == nil && n.Labels[LabelProject] == name:
		return nil
	case err == nil:
		return fmt.Errorf("create network %s: a network of that name exists and is not crispify's: remove it with `docker network rm %s` or change project in the manifest", name, name)
	case !errors.Is(err, ErrNotFound):
		return fmt.Errorf("inspect network %s: %w", name, err)
	}
	if err := p.Engine.NetworkCreate(ctx, name, p.labels()); err != nil {
		// Another crispify may have made it meanwhile: fine if it is ours.
		if n, err2 := p.Engine.NetworkInspect(ctx, name); err2 == nil && n.Labels[LabelProject] == name {
			return nil
		}
		return fmt.Errorf("create network %s: %w", name, err)
	}
	return nil
}

// infra returns the manifest entry of an infra name.
func (p *Project) infra(name string) (*manifest.Infra, error) {
	in, ok := p.Manifest.Infra[name]
	if !ok {
		return nil, fmt.Errorf("unknown infra %q", name)
	}
	return in, nil
}
