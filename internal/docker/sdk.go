package docker

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/events"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/volume"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/stdcopy"
	"github.com/docker/go-connections/nat"
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

func (s *sdk) ImageInspect(ctx context.Context, ref string) (Image, error) {
	img, err := s.c.ImageInspect(ctx, ref)
	if err != nil {
		return Image{}, notFound(err)
	}
	out := Image{ID: img.ID, RepoDigests: img.RepoDigests}
	if img.Config != nil {
		out.Volumes = slices.Sorted(maps.Keys(img.Config.Volumes))
	}
	return out, nil
}

// ImagePull follows the pull's JSON stream, summing the bytes of every layer
// so that progress is one fraction for the image, not one per layer.
func (s *sdk) ImagePull(ctx context.Context, ref string, progress func(float64, string)) error {
	rc, err := s.c.ImagePull(ctx, ref, image.PullOptions{})
	if err != nil {
		return err
	}
	defer rc.Close()
	return followPull(rc, progress)
}

// pullMessage is one line of the engine's pull stream.
type pullMessage struct {
	Status         string `json:"status"`
	ID             string `json:"id"`
	ProgressDetail struct {
		Current int64 `json:"current"`
		Total   int64 `json:"total"`
	} `json:"progressDetail"`
	Error       string `json:"error"`
	ErrorDetail *struct {
		Message string `json:"message"`
	} `json:"errorDetail"`
}

// followPull reads a pull stream to its end, reporting aggregated progress.
func followPull(r io.Reader, progress func(float64, string)) error {
	type layer struct{ current, total int64 }
	layers := map[string]*layer{}
	dec := json.NewDecoder(r)
	for {
		var m pullMessage
		if err := dec.Decode(&m); err == io.EOF {
			return nil
		} else if err != nil {
			return fmt.Errorf("read pull progress: %w", err)
		}
		if m.ErrorDetail != nil && m.ErrorDetail.Message != "" {
			return fmt.Errorf("%s", m.ErrorDetail.Message)
		}
		if m.Error != "" {
			return fmt.Errorf("%s", m.Error)
		}
		if m.ID == "" {
			continue
		}
		l := layers[m.ID]
		if l == nil {
			l = &layer{}
			layers[m.ID] = l
		}
		switch {
		case m.Status == "Downloading" && m.ProgressDetail.Total > 0:
			l.current, l.total = m.ProgressDetail.Current, m.ProgressDetail.Total
		case m.Status == "Download complete" || m.Status == "Pull complete" || m.Status == "Already exists":
			if l.total == 0 {
				l.total = 1
			}
			l.current = l.total
		default:
			continue
		}
		var cur, tot int64
		for _, l := range layers {
			cur += l.current
			tot += l.total
		}
		if tot > 0 && progress != nil {
			progress(float64(cur)/float64(tot), m.Status)
		}
	}
}

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
		Image:        spec.Image,
		Env:          spec.Env,
		Labels:       spec.Labels,
		ExposedPorts: nat.PortSet{},
	}
	if len(spec.Cmd) > 0 {
		cfg.Cmd = spec.Cmd
	}
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

// ContainerLogs demultiplexes the engine's log stream (containers run
// without a TTY) into one stream of lines.
func (s *sdk) ContainerLogs(ctx context.Context, id string, opts LogOptions) (io.ReadCloser, error) {
	lo := container.LogsOptions{ShowStdout: true, ShowStderr: true, Tail: opts.Tail, Follow: opts.Follow, Timestamps: opts.Timestamps}
	if !opts.Since.IsZero() {
		// The engine reads seconds since the epoch, with nanoseconds.
		lo.Since = fmt.Sprintf("%d.%09d", opts.Since.Unix(), opts.Since.Nanosecond())
	}
	rc, err := s.c.ContainerLogs(ctx, id, lo)
	if err != nil {
		return nil, notFound(err)
	}
	pr, pw := io.Pipe()
	go func() {
		// One writer for both streams keeps lines whole: the engine frames
		// whole writes, and a pipe write is atomic for its reader.
		_, err := stdcopy.StdCopy(pw, pw, rc)
		rc.Close()
		pw.CloseWithError(err)
	}()
	return readCloser{Reader: pr, close: func() error { rc.Close(); return pr.Close() }}, nil
}

type readCloser struct {
	io.Reader
	close func() error
}

func (r readCloser) Close() error { return r.close() }

func (s *sdk) Events(ctx context.Context, labels map[string]string) (<-chan ContainerEvent, <-chan error) {
	f := labelFilter(labels)
	f.Add("type", string(events.ContainerEventType))
	msgs, errs := s.c.Events(ctx, events.ListOptions{Filters: f})
	out := make(chan ContainerEvent)
	go func() {
		defer close(out)
		for {
			select {
			case m, ok := <-msgs:
				if !ok {
					return
				}
				e := ContainerEvent{ID: m.Actor.ID, Name: m.Actor.Attributes["name"], Action: string(m.Action), Labels: m.Actor.Attributes}
				if m.Action == events.ActionDie {
					e.ExitCode, _ = strconv.Atoi(m.Actor.Attributes["exitCode"])
				}
				select {
				case out <- e:
				case <-ctx.Done():
					return
				}
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, errs
}
