// Package dockerfake is a hand-written, in-memory docker.Engine for unit
// tests: containers start, turn healthy or unhealthy or exit as their image
// is told to, and every call is recorded for assertions.
package dockerfake

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/crispify/crispify/internal/docker"
)

// Image is how containers of an image behave when started.
type Image struct {
	ID string
	// Health is what a container with a health check turns into after
	// start: "healthy" (default) or "unhealthy"; "starting" leaves it so
	// until SetHealth, as a check that has not run yet.
	Health string
	// ExitCode, when set, makes the container exit right after start.
	ExitCode int
	// Logs are the lines its containers print.
	Logs []string
	// LogTimes are when they printed them, line by line; a line without
	// one was printed a millisecond after the one before it, the first at
	// the container's start.
	LogTimes []time.Time
	// PullError makes pulling this image fail.
	PullError error
	// Platform is what it is built for; linux/amd64 when unset.
	Platform docker.Platform
	// RepoDigests are the registry digests it was pulled by: none for an
	// image built here (AddImage), one once ImagePull brought it.
	RepoDigests []string
	// Volumes are the paths its VOLUME instructions declare: a container
	// that mounts nothing there gets an anonymous volume, as on the engine.
	Volumes []string
}

// Engine is the fake. Its zero value is not usable: call New.
type Engine struct {
	mu         sync.Mutex
	Images     map[string]*Image // by reference; pullable ones too
	Local      map[string]bool   // references present locally
	Containers map[string]*docker.Container
	specs      map[string]docker.ContainerSpec
	anonymous  map[string][]string       // container ID -> the anonymous volumes its create made
	Networks   map[string]docker.Network // by ID
	Volumes    map[string]docker.Volume
	calls      []string
	subs       []*sub
	subscribed int // event streams opened, ever
	nextID     int
	// Unreachable makes every call fail as an engine that is down.
	Unreachable error
	// Host is what HostInfo returns; New sets a linux engine of 8 GiB.
	Host docker.HostInfo
	// At is what Endpoint says: fake://engine (a local engine) unless set,
	// e.g. to ssh://dev@buildbox to play an engine of another machine.
	At string
	// Files are what CopyToContainer put in each container, by ID, then
	// by path (without the leading /): a folder's entry is "<dir>".
	Files map[string]map[string]string
	// CopyError makes CopyToContainer fail.
	CopyError error
	// readings are what stats streams read, by container name (AddStats).
	readings map[string][]docker.Stats
}

// New returns an empty engine.
func New() *Engine {
	return &Engine{
		Images:     map[string]*Image{},
		Local:      map[string]bool{},
		Containers: map[string]*docker.Container{},
		specs:      map[string]docker.ContainerSpec{},
		anonymous:  map[string][]string{},
		Networks:   map[string]docker.Network{},
		Volumes:    map[string]docker.Volume{},
		Host:       docker.HostInfo{Name: "fake", OS: "Fake Linux", OSType: "linux", Arch: "x86_64", Kernel: "6.1.0-fake", MemTotal: 8 << 30, NCPU: 4, DataRoot: "/var/lib/docker"},
	}
}

// AddImage makes an image present locally.
func (f *Engine) AddImage(ref string, img Image) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if img.ID == "" {
		img.ID = "sha256:" + strings.Repeat(fmt.Sprint(len(f.Images)%10), 8)
	}
	f.Images[ref] = &img
	f.Local[ref] = true
}

// Calls returns the calls made so far, such as "create crisp-redis".
func (f *Engine) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

// Subscriptions is how many event streams were opened so far.
func (f *Engine) Subscriptions() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.subscribed
}

// CallsMatching returns the recorded calls that start with prefix.
func (f *Engine) CallsMatching(prefix string) []string {
	var out []string
	for _, c := range f.Calls() {
		if strings.HasPrefix(c, prefix) {
			out = append(out, c)
		}
	}
	return out
}

// Spec returns the spec a container was created with.
func (f *Engine) Spec(name string) (docker.ContainerSpec, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for id, c := range f.Containers {
		if c.Name == name {
			return f.specs[id], true
		}
	}
	return docker.ContainerSpec{}, false
}

func (f *Engine) record(format string, args ...any) {
	f.calls = append(f.calls, fmt.Sprintf(format, args...))
}

func (f *Engine) Endpoint() string {
	if f.At != "" {
		return f.At
	}
	return "fake://engine"
}

func (f *Engine) Version(context.Context) (docker.Version, error) {
	if f.Unreachable != nil {
		return docker.Version{}, f.Unreachable
	}
	return docker.Version{Server: "20.10.24", API: "1.41", MinAPI: "1.12", OS: "linux", Arch: "amd64"}, nil
}

var _ docker.Engine = (*Engine)(nil)
