package docker

import (
	"context"
	"fmt"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/volume"
	"github.com/docker/docker/client"
)

// sdk is the Engine of a real Docker engine, through the Docker SDK.
type sdk struct {
	c        *client.Client
	endpoint Endpoint
}

func (s *sdk) Endpoint() string { return s.endpoint.Host }

func (s *sdk) Version(ctx context.Context) (Version, error) {
	v, err := s.c.ServerVersion(ctx)
	if err != nil {
		return Version{}, err
	}
	return Version{Server: v.Version, API: s.c.ClientVersion(), MinAPI: v.MinAPIVersion, OS: v.Os, Arch: v.Arch}, nil
}

// notFound turns the SDK's not-found errors into ErrNotFound.
func notFound(err error) error {
	if err != nil && cerrdefs.IsNotFound(err) {
		return fmt.Errorf("%w: %v", ErrNotFound, err)
	}
	return err
}

func labelFilter(labels map[string]string) filters.Args {
	f := filters.NewArgs()
	for k, v := range labels {
		f.Add("label", k+"="+v)
	}
	return f
}

func (s *sdk) NetworkList(ctx context.Context, name string) ([]Network, error) {
	list, err := s.c.NetworkList(ctx, network.ListOptions{Filters: filters.NewArgs(filters.Arg("name", name))})
	if err != nil {
		return nil, err
	}
	var out []Network
	for _, n := range list {
		// The engine's name filter matches parts of names too.
		if n.Name == name {
			out = append(out, Network{ID: n.ID, Name: n.Name, Labels: n.Labels})
		}
	}
	return out, nil
}

func (s *sdk) NetworkCreate(ctx context.Context, name string, labels map[string]string) error {
	_, err := s.c.NetworkCreate(ctx, name, network.CreateOptions{Driver: "bridge", Labels: labels})
	return err
}

func (s *sdk) NetworkRemove(ctx context.Context, id string) error {
	return notFound(s.c.NetworkRemove(ctx, id))
}

func (s *sdk) VolumeInspect(ctx context.Context, name string) (Volume, error) {
	v, err := s.c.VolumeInspect(ctx, name)
	if err != nil {
		return Volume{}, notFound(err)
	}
	return Volume{Name: v.Name, Labels: v.Labels}, nil
}

func (s *sdk) VolumeCreate(ctx context.Context, name string, labels map[string]string) error {
	_, err := s.c.VolumeCreate(ctx, volume.CreateOptions{Name: name, Labels: labels})
	return err
}

func (s *sdk) VolumeList(ctx context.Context, labels map[string]string) ([]Volume, error) {
	resp, err := s.c.VolumeList(ctx, volume.ListOptions{Filters: labelFilter(labels)})
	if err != nil {
		return nil, err
	}
	out := make([]Volume, 0, len(resp.Volumes))
	for _, v := range resp.Volumes {
		out = append(out, Volume{Name: v.Name, Labels: v.Labels})
	}
	return out, nil
}

func (s *sdk) VolumeRemove(ctx context.Context, name string) error {
	return notFound(s.c.VolumeRemove(ctx, name, false))
}
