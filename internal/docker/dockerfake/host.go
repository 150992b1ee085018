package dockerfake

import (
	"context"
	"fmt"

	"github.com/crispify/crispify/internal/docker"
)

func (f *Engine) HostInfo(context.Context) (docker.HostInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.Unreachable != nil {
		return docker.HostInfo{}, f.Unreachable
	}
	return f.Host, nil
}

func (f *Engine) ImagePlatform(_ context.Context, ref string) (docker.Platform, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.Unreachable != nil {
		return docker.Platform{}, f.Unreachable
	}
	if !f.Local[ref] {
		return docker.Platform{}, fmt.Errorf("image %s: %w", ref, docker.ErrNotFound)
	}
	if p := f.Images[ref].Platform; p.Arch != "" {
		return p, nil
	}
	return docker.Platform{OS: "linux", Arch: "amd64"}, nil
}
