// Package dockerfake is a hand-written, in-memory docker.Engine for unit
// tests: containers start, turn healthy or unhealthy or exit as their image
// is told to, and every call is recorded for assertions.
package dockerfake

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
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
}

type sub struct {
	labels map[string]string
	ch     chan docker.ContainerEvent
	errs   chan error
	ctx    context.Context
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

// CopyToContainer reads the tar whole, as the engine does, and keeps what
// it holds in Files.
func (f *Engine) CopyToContainer(_ context.Context, id, dir string, r io.Reader) error {
	files := map[string]string{}
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("read the tar of a copy: %w", err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			return err
		}
		switch hdr.Typeflag {
		case tar.TypeDir:
			files[strings.TrimSuffix(hdr.Name, "/")] = "<dir>"
		case tar.TypeSymlink:
			files[hdr.Name] = "-> " + hdr.Linkname
		default:
			files[hdr.Name] = string(data)
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.lookup(id)
	if err != nil {
		return err
	}
	f.record("copy %s %s", c.Name, dir)
	if f.CopyError != nil {
		return f.CopyError
	}
	if f.Files == nil {
		f.Files = map[string]map[string]string{}
	}
	f.Files[c.ID] = files
	return nil
}

func (f *Engine) Version(context.Context) (docker.Version, error) {
	if f.Unreachable != nil {
		return docker.Version{}, f.Unreachable
	}
	return docker.Version{Server: "20.10.24", API: "1.41", MinAPI: "1.12", OS: "linux", Arch: "amd64"}, nil
}

func (f *Engine) NetworkList(_ context.Context, name string) ([]docker.Network, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []docker.Network
	for _, id := range slices.Sorted(maps.Keys(f.Networks)) {
		if n := f.Networks[id]; n.Name == name {
			out = append(out, n)
		}
	}
	return out, nil
}

func (f *Engine) NetworkCreate(_ context.Context, name string, labels map[string]string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("network create %s", name)
	f.nextID++
	id := fmt.Sprintf("net-%03d-%s", f.nextID, name)
	f.Networks[id] = docker.Network{ID: id, Name: name, Labels: maps.Clone(labels)}
	return nil
}

func (f *Engine) NetworkRemove(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, ok := f.Networks[id]
	if !ok {
		return docker.ErrNotFound
	}
	f.record("network rm %s", n.Name)
	delete(f.Networks, id)
	return nil
}

func (f *Engine) VolumeInspect(_ context.Context, name string) (docker.Volume, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.Volumes[name]
	if !ok {
		return v, docker.ErrNotFound
	}
	return v, nil
}

func (f *Engine) VolumeCreate(_ context.Context, name string, labels map[string]string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("volume create %s", name)
	f.Volumes[name] = docker.Volume{Name: name, Labels: maps.Clone(labels)}
	return nil
}

func (f *Engine) VolumeList(_ context.Context, labels map[string]string) ([]docker.Volume, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []docker.Volume
	for _, name := range slices.Sorted(maps.Keys(f.Volumes)) {
		if matches(f.Volumes[name].Labels, labels) {
			out = append(out, f.Volumes[name])
		}
	}
	return out, nil
}

func (f *Engine) VolumeRemove(_ context.Context, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("volume rm %s", name)
	if _, ok := f.Volumes[name]; !ok {
		return docker.ErrNotFound
	}
	delete(f.Volumes, name)
	return nil
}

func (f *Engine) ImageInspect(_ context.Context, ref string) (docker.Image, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.Unreachable != nil {
		return docker.Image{}, f.Unreachable
	}
	if !f.Local[ref] {
		return docker.Image{}, fmt.Errorf("image %s: %w", ref, docker.ErrNotFound)
	}
	img := f.Images[ref]
	return docker.Image{ID: img.ID, RepoDigests: slices.Clone(img.RepoDigests), Volumes: slices.Sorted(slices.Values(img.Volumes))}, nil
}

func (f *Engine) ImagePull(_ context.Context, ref string, progress func(float64, string)) error {
	f.mu.Lock()
	f.record("pull %s", ref)
	img, ok := f.Images[ref]
	f.mu.Unlock()
	if !ok {
		return fmt.Errorf("pull access denied for %s, repository does not exist", ref)
	}
	if img.PullError != nil {
		return img.PullError
	}
	for _, p := range []float64{0.25, 0.5, 1} {
		progress(p, "Downloading")
	}
	f.mu.Lock()
	f.Local[ref] = true
	if len(img.RepoDigests) == 0 {
		name, _, _ := strings.Cut(ref, ":")
		img.RepoDigests = []string{name + "@sha256:" + strings.Repeat("0", 64)}
	}
	f.mu.Unlock()
	return nil
}

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

// SetHealth gives a running container the health status a check of
// Docker's would: "healthy" or "unhealthy".
func (f *Engine) SetHealth(idOrName, status string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.lookup(idOrName)
	if err != nil {
		return err
	}
	if c.State != "running" {
		return fmt.Errorf("container %s is %s, not running", c.Name, c.State)
	}
	c.Health = status
	if status == "unhealthy" {
		c.HealthOutput = "check failed"
	}
	f.publish(c, "health_status: "+status)
	return nil
}

// Exit makes a running container exit with code, as a crash would.
func (f *Engine) Exit(idOrName string, code int) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.lookup(idOrName)
	if err != nil {
		return err
	}
	// As Docker does, a stopped container with a health check is unhealthy.
	c.State, c.ExitCode, c.Ports = "exited", code, nil
	if c.Health != "" {
		c.Health = "unhealthy"
	}
	f.publish(c, "die")
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

// ContainerLogs gives what the container's image prints (Image.Logs), as
// the engine does: the last Tail lines, none written before Since, each
// after its time with Timestamps. It never follows: the stream ends.
func (f *Engine) ContainerLogs(_ context.Context, id string, opts docker.LogOptions) (io.ReadCloser, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.lookup(id)
	if err != nil {
		return nil, err
	}
	img := f.Images[c.Image]
	if img == nil {
		return io.NopCloser(strings.NewReader("")), nil
	}
	var lines []string
	at := c.StartedAt
	for i, text := range img.Logs {
		if i < len(img.LogTimes) && !img.LogTimes[i].IsZero() {
			at = img.LogTimes[i]
		} else if i > 0 {
			at = at.Add(time.Millisecond)
		}
		if !opts.Since.IsZero() && at.Before(opts.Since) {
			continue
		}
		if opts.Timestamps {
			text = at.UTC().Format(time.RFC3339Nano) + " " + text
		}
		lines = append(lines, text)
	}
	if n, err := strconv.Atoi(opts.Tail); err == nil && n < len(lines) {
		lines = lines[len(lines)-n:]
	}
	var text string
	if len(lines) > 0 {
		text = strings.Join(lines, "\n") + "\n"
	}
	return io.NopCloser(strings.NewReader(text)), nil
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

// BreakEvents ends every event stream open now with err, as an engine that
// restarts or a connection that drops does; streams opened later work.
func (f *Engine) BreakEvents(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, s := range f.subs {
		s.errs <- err
	}
	f.subs = nil
}

// SetUnreachable sets Unreachable (nil: the engine answers again) while
// the engine is in use.
func (f *Engine) SetUnreachable(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.Unreachable = err
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

var _ docker.Engine = (*Engine)(nil)
