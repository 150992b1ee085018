// Package docker owns everything crispify does through the Docker Engine API:
// the project's network, volumes, images and infra containers, their health,
// their logs and their teardown. It is the only package that imports the
// Docker SDK; the rest of it works against Engine, a narrow interface with a
// hand-written fake (package dockerfake) for unit tests.
package docker

import (
	"context"
	"errors"
	"io"
	"strings"
	"time"
)

// ErrNotFound is returned by Engine lookups of objects that do not exist.
var ErrNotFound = errors.New("not found")

// Engine is the part of the Docker Engine API crispify uses.
type Engine interface {
	// Endpoint names where the engine is, for messages: unix:///var/run/docker.sock.
	Endpoint() string
	Version(ctx context.Context) (Version, error)

	// NetworkList returns the networks called name: the engine lets two
	// have one name when they were created at the same moment.
	NetworkList(ctx context.Context, name string) ([]Network, error)
	NetworkCreate(ctx context.Context, name string, labels map[string]string) error
	// NetworkRemove removes a network by its ID.
	NetworkRemove(ctx context.Context, id string) error

	VolumeInspect(ctx context.Context, name string) (Volume, error)
	VolumeCreate(ctx context.Context, name string, labels map[string]string) error
	VolumeList(ctx context.Context, labels map[string]string) ([]Volume, error)
	VolumeRemove(ctx context.Context, name string) error

	// ImageInspect reads a local image, ErrNotFound when missing.
	ImageInspect(ctx context.Context, ref string) (Image, error)
	// ImagePull pulls ref, calling progress with 0..1 as layers arrive.
	ImagePull(ctx context.Context, ref string, progress func(fraction float64, status string)) error

	// ContainerList lists containers, stopped ones too, that carry all the
	// given labels; nil labels lists every container.
	ContainerList(ctx context.Context, labels map[string]string) ([]Container, error)
	ContainerInspect(ctx context.Context, id string) (Container, error)
	ContainerCreate(ctx context.Context, spec ContainerSpec) (id string, err error)
	ContainerStart(ctx context.Context, id string) error
	ContainerStop(ctx context.Context, id string, timeout time.Duration) error
	// ContainerRemove removes a container, and its anonymous volumes when
	// removeVolumes; never its named ones.
	ContainerRemove(ctx context.Context, id string, removeVolumes bool) error
	ContainerRename(ctx context.Context, id, name string) error
	// CopyToContainer extracts a tar into a container's file system at
	// dir, before the container starts.
	CopyToContainer(ctx context.Context, id, dir string, tar io.Reader) error
	// ContainerLogs streams stdout and stderr merged, as written.
	ContainerLogs(ctx context.Context, id string, opts LogOptions) (io.ReadCloser, error)

	// Events streams the state changes of containers that carry the labels.
	Events(ctx context.Context, labels map[string]string) (<-chan ContainerEvent, <-chan error)

	// HostInfo is docker info: the memory and CPUs of the engine's machine.
	HostInfo(ctx context.Context) (HostInfo, error)
	// ImagePlatform is the platform of a local image, ErrNotFound when missing.
	ImagePlatform(ctx context.Context, ref string) (Platform, error)

	// CopyFromContainer streams a plain tar (no gzip) of path in a
	// container, stopped or never started, its volumes included: GET
	// /containers/{id}/archive. The tar's top entry is path's base name.
	CopyFromContainer(ctx context.Context, id, path string) (io.ReadCloser, error)
	// DataSpace is what the engine says of its volumes' sizes and the
	// free space where they live (see DataSpace).
	DataSpace(ctx context.Context) (DataSpace, error)

	// ContainerStats calls fn with each reading of a container's stats
	// stream (about one a second) until ctx ends or the container stops.
	ContainerStats(ctx context.Context, id string, fn func(Stats)) error
	// ContainerStatsOnce is one reading at once, without a CPU rate: two
	// of them a moment apart give one (Stats.Since).
	ContainerStatsOnce(ctx context.Context, id string) (Stats, error)
}

// Version is what the engine says of itself.
type Version struct {
	Server     string // 28.2.2
	API        string // the API version in use after negotiation
	MinAPI     string
	OS, Arch   string
	ServerHost string // the engine's host name, for messages
}

// Image is what crispify reads of a local image.
type Image struct {
	ID string
	// RepoDigests are the registry digests it was pulled by; none for an
	// image built or loaded here, which no registry has.
	RepoDigests []string
	// Volumes are the paths its VOLUME instructions declare, sorted.
	Volumes []string
}

// Network is a Docker network.
type Network struct {
	ID     string
	Name   string
	Labels map[string]string
}

// Volume is a Docker volume.
type Volume struct {
	Name   string
	Labels map[string]string
}

// Container is what crispify reads of a container.
type Container struct {
	ID      string
	Name    string // without the leading slash
	Image   string
	ImageID string
	Labels  map[string]string
	// State is created, running, paused, restarting, removing, exited or dead.
	State string
	// Health is "", starting, healthy or unhealthy; HealthOutput what the
	// last check printed (set by inspect only).
	Health       string
	HealthOutput string
	ExitCode     int
	StartedAt    time.Time
	Ports        []PortBinding
	Mounts       []Mount
	// NetworkIPs are its addresses by network name (set by inspect only).
	NetworkIPs map[string]string
}

// PortBinding is a container port published on the host.
type PortBinding struct {
	HostIP        string
	HostPort      int
	ContainerPort int
	Proto         string
}

// Mount is a volume or bind mount of a container.
type Mount struct {
	Type        string // volume or bind
	Name        string // of a volume
	Source      string // of a bind
	Destination string
	ReadOnly    bool
}

// ContainerSpec is everything crispify sets when it creates a container.
type ContainerSpec struct {
	Name    string
	Image   string
	Env     []string // KEY=VALUE, sorted
	Cmd     []string
	Labels  map[string]string
	Ports   []PortBinding
	Mounts  []Mount
	Health  *HealthSpec
	Network string
	Aliases []string
	// Hostname is the infra's name, the same in every container made for
	// it: RabbitMQ keeps its queues under its node name, rabbit@<host>, and
	// a random one per container lost them at every recreate. It is left
	// out of the config hash: it follows from the name, which is in it.
	Hostname string `json:"-"`
	// Entrypoint and User, when set, replace the image's: for the
	// containers a data copy runs (cp as root), never an infra's, whose
	// config hash they stay out of.
	Entrypoint []string `json:"-"`
	User       string   `json:"-"`
	// Copies are bind mounts made copies for an engine of another
	// machine (see Copy); the engine is not told of them at create.
	Copies []Copy
}

// HealthSpec is a container health check in Docker's terms.
type HealthSpec struct {
	Test        []string // ["CMD", ...] or ["CMD-SHELL", "..."]
	Interval    time.Duration
	Timeout     time.Duration
	Retries     int
	StartPeriod time.Duration
}

// LogOptions select a container's logs.
type LogOptions struct {
	Tail       string // "all" or a number of lines
	Follow     bool
	Timestamps bool
	// Since, when set, leaves out lines written before it.
	Since time.Time
}

// ContainerEvent is one state change of a container.
type ContainerEvent struct {
	ID     string
	Name   string
	Action string // start, die, health_status: healthy, ...
	// ExitCode is set on die.
	ExitCode int
	Labels   map[string]string
}

// changesHealth says the event is one a wait for health looks again on:
// the container died, or Docker's health check changed its verdict.
func (e ContainerEvent) changesHealth() bool {
	return e.Action == "die" || strings.HasPrefix(e.Action, "health_status")
}
