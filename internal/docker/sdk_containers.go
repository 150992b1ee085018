package docker

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/go-connections/nat"
)

func (s *sdk) ContainerList(ctx context.Context, labels map[string]string) ([]Container, error) {
	list, err := s.c.ContainerList(ctx, container.ListOptions{All: true, Filters: labelFilter(labels)})
	if err != nil {
		return nil, err
	}
	out := make([]Container, 0, len(list))
	for _, c := range list {
		k := Container{ID: c.ID, Image: c.Image, ImageID: c.ImageID, Labels: c.Labels, State: string(c.State), Health: healthFromStatus(c.Status), ExitCode: exitFromStatus(c.Status)}
		if len(c.Names) > 0 {
			k.Name = strings.TrimPrefix(c.Names[0], "/")
		}
		for _, p := range c.Ports {
			if p.PublicPort != 0 {
				k.Ports = append(k.Ports, PortBinding{HostIP: p.IP, HostPort: int(p.PublicPort), ContainerPort: int(p.PrivatePort), Proto: p.Type})
			}
		}
		for _, m := range c.Mounts {
			k.Mounts = append(k.Mounts, Mount{Type: string(m.Type), Name: m.Name, Source: m.Source, Destination: m.Destination, ReadOnly: !m.RW})
		}
		out = append(out, k)
	}
	return out, nil
}

// healthFromStatus reads the health a container list shows in its status
// text ("Up 3 minutes (healthy)"), which saves an inspect per container.
func healthFromStatus(status string) string {
	switch {
	case strings.HasSuffix(status, "(healthy)"):
		return "healthy"
	case strings.HasSuffix(status, "(unhealthy)"):
		return "unhealthy"
	case strings.HasSuffix(status, "(health: starting)"):
		return "starting"
	}
	return ""
}

// exitFromStatus reads the exit code a container list shows in its status
// text ("Exited (7) 3 seconds ago"); 0 when it shows none.
func exitFromStatus(status string) int {
	rest, ok := strings.CutPrefix(status, "Exited (")
	if !ok {
		return 0
	}
	code, _, _ := strings.Cut(rest, ")")
	n, _ := strconv.Atoi(code)
	return n
}

func (s *sdk) ContainerInspect(ctx context.Context, id string) (Container, error) {
	c, err := s.c.ContainerInspect(ctx, id)
	if err != nil {
		return Container{}, notFound(err)
	}
	k := Container{ID: c.ID, Name: strings.TrimPrefix(c.Name, "/"), ImageID: c.Image}
	if c.Config != nil {
		k.Image, k.Labels = c.Config.Image, c.Config.Labels
	}
	if st := c.State; st != nil {
		k.State, k.ExitCode = string(st.Status), st.ExitCode
		if st.Health != nil {
			k.Health = string(st.Health.Status)
			if n := len(st.Health.Log); n > 0 {
				k.HealthOutput = strings.TrimSpace(st.Health.Log[n-1].Output)
			}
		}
		k.StartedAt, _ = time.Parse(time.RFC3339Nano, st.StartedAt)
	}
	if c.NetworkSettings != nil {
		for name, n := range c.NetworkSettings.Networks {
			if n != nil && n.IPAddress != "" {
				if k.NetworkIPs == nil {
					k.NetworkIPs = map[string]string{}
				}
				k.NetworkIPs[name] = n.IPAddress
			}
		}
		for port, bindings := range c.NetworkSettings.Ports {
			for _, b := range bindings {
				hp, _ := strconv.Atoi(b.HostPort)
				k.Ports = append(k.Ports, PortBinding{HostIP: b.HostIP, HostPort: hp, ContainerPort: port.Int(), Proto: port.Proto()})
			}
		}
	}
	for _, m := range c.Mounts {
		k.Mounts = append(k.Mounts, Mount{Type: string(m.Type), Name: m.Name, Source: m.Source, Destination: m.Destination, ReadOnly: !m.RW})
	}
	return k, nil
}

func (s *sdk) ContainerCreate(ctx context.Context, spec ContainerSpec) (string, error) {
	cfg := &container.Config{
		Hostname:     spec.Hostname,
		Image:        spec.Image,
		Env:          spec.Env,
		Labels:       spec.Labels,
		ExposedPorts: nat.PortSet{},
	}
	if len(spec.Cmd) > 0 {
		cfg.Cmd = spec.Cmd
	}
	if len(spec.Entrypoint) > 0 {
		cfg.Entrypoint = spec.Entrypoint
	}
	cfg.User = spec.User
	if h := spec.Health; h != nil {
		cfg.Healthcheck = &container.HealthConfig{Test: h.Test, Interval: h.Interval, Timeout: h.Timeout, Retries: h.Retries, StartPeriod: h.StartPeriod}
	}
	host := &container.HostConfig{PortBindings: nat.PortMap{}}
	for _, p := range spec.Ports {
		port := nat.Port(fmt.Sprintf("%d/%s", p.ContainerPort, p.Proto))
		cfg.ExposedPorts[port] = struct{}{}
		host.PortBindings[port] = append(host.PortBindings[port], nat.PortBinding{HostIP: p.HostIP, HostPort: strconv.Itoa(p.HostPort)})
	}
	for _, m := range spec.Mounts {
		mt := mount.Mount{Type: mount.Type(m.Type), Target: m.Destination, ReadOnly: m.ReadOnly, Source: m.Source}
		if m.Type == "volume" {
			mt.Source = m.Name
		}
		host.Mounts = append(host.Mounts, mt)
	}
	var net *network.NetworkingConfig
	if spec.Network != "" {
		host.NetworkMode = container.NetworkMode(spec.Network)
		net = &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{
			spec.Network: {Aliases: spec.Aliases},
		}}
	}
	resp, err := s.c.ContainerCreate(ctx, cfg, host, net, nil, spec.Name)
	if err != nil {
		return "", notFound(err)
	}
	return resp.ID, nil
}

func (s *sdk) ContainerStart(ctx context.Context, id string) error {
	return notFound(s.c.ContainerStart(ctx, id, container.StartOptions{}))
}

func (s *sdk) ContainerStop(ctx context.Context, id string, timeout time.Duration) error {
	secs := int(timeout / time.Second)
	return notFound(s.c.ContainerStop(ctx, id, container.StopOptions{Timeout: &secs}))
}

func (s *sdk) ContainerRemove(ctx context.Context, id string, removeVolumes bool) error {
	return notFound(s.c.ContainerRemove(ctx, id, container.RemoveOptions{Force: true, RemoveVolumes: removeVolumes}))
}

func (s *sdk) ContainerRename(ctx context.Context, id, name string) error {
	return notFound(s.c.ContainerRename(ctx, id, name))
}

func (s *sdk) CopyToContainer(ctx context.Context, id, dir string, tar io.Reader) error {
	return notFound(s.c.CopyToContainer(ctx, id, dir, tar, container.CopyToContainerOptions{}))
}
