package docker

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/manifest"
	"github.com/crispify/crispify/internal/ssh"
)

// Project is one manifest's infrastructure on one engine: everything crispify
// does to containers goes through it, and it touches only what carries the
// project's label. NewProject makes one, for a command or a stack's whole
// life; With makes a run of it from another manifest.
type Project struct {
	ProjectOptions

	// life is shared by every run of the project (With): what one run
	// starts, another one's stop ends.
	life   *life
	keeper *Keeper // the stack's, which made it (Keeper.Project); nil for a one-off command

	lead    *lead      // see ChooseLead
	lockMu  sync.Mutex // guards unlock
	unlock  func()     // releases the lock taken by Lock; nil when not held
	pullsMu sync.Mutex // guards pulls
	pulls   pulls      // see ExpectImages
}

// ProjectOptions say which infrastructure a Project is and how it works.
type ProjectOptions struct {
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
	// Host is where this machine reaches the ports the engine publishes:
	// CRISPIFY_HOST. Empty is the host of the engine's endpoint (127.0.0.1
	// for a local one). The readiness probes dial it (probeAddr).
	Host string
	// Reach, when set, says where the readiness probe dials a published
	// port instead: for whatever forwards an engine's ports to this machine
	// other than Tunnels, which the probe knows.
	// ok false means the port cannot be reached from here, and Docker's
	// health check alone decides.
	Reach func(b PortBinding) (addr string, ok bool)
	// Tunnels forward an ssh:// engine's ports here (NewTunnels); nil for
	// other engines, and for commands that hold no stack (`crispify infra`
	// then says where the ports are). Close ends them.
	Tunnels *ssh.Tunnels
	// Owner is the user@host written on everything the project creates,
	// and the only owner whose resources it changes; empty means this
	// user on this machine (LocalOwner).
	Owner string
	// DataBranch is the data branch whose volumes the infra mount (see
	// databranch.go); empty is the manifest's branch, whose volumes keep
	// the names they always had. Set it before Up, never while one runs.
	DataBranch string
}

// life is what a project keeps beyond its calls: the watches that follow a
// container its probe counted healthy (see healthyByProbe), and the file of
// health times that every run writes.
type life struct {
	confirms sync.Map   // infra name -> *confirmation
	timesMu  sync.Mutex // guards the file of health times
}

// NewProject returns the project opts describe.
func NewProject(opts ProjectOptions) *Project {
	return &Project{ProjectOptions: opts, life: &life{}}
}

// With returns a run of the same project from manifest m, pulling or not:
// a stack's apply, or a stop from the board. It shares what the project
// keeps beyond its calls, so that a stop through one run ends the watch
// another run's boot started; the lock, the lead and the pulls are its own.
func (p *Project) With(m *manifest.Manifest, pull bool) *Project {
	opts := p.ProjectOptions
	opts.Manifest, opts.Pull = m, pull
	return &Project{ProjectOptions: opts, life: p.life, keeper: p.keeper}
}

// labels selects everything of this project.
func (p *Project) labels() map[string]string {
	return map[string]string{LabelProject: p.Manifest.Project}
}

func (p *Project) emit(e event.Event) {
	if p.Sink != nil {
		p.Sink.Emit(p.ordered(e))
	}
}

func (p *Project) stopTimeout() time.Duration {
	if p.StopTimeout > 0 {
		return p.StopTimeout
	}
	return 10 * time.Second
}

// EnsureNetwork makes the project's bridge network exist, once. A network of
// that name without the project's label is someone else's: crispify does
// not use or change it. Two of its own by that name, which an engine before
// API 1.44 lets runs create at the same moment (an older crispify, or one
// without the project's lock), are made one.
//
// It is the first thing a boot creates, so it first refuses what cannot
// work on this engine: a project name another owner uses there, ports a
// remote engine cannot make reachable (see checkOwners, checkReachable).
func (p *Project) EnsureNetwork(ctx context.Context) error {
	if err := p.checkReachable(); err != nil {
		return err
	}
	if err := p.checkOwners(ctx); err != nil {
		return err
	}
	name := p.Manifest.Project
	list, err := p.Engine.NetworkList(ctx, name)
	if err != nil {
		return fmt.Errorf("list networks called %s: %w", name, err)
	}
	var ours []Network
	for _, n := range list {
		if n.Labels[LabelProject] != name {
			return fmt.Errorf("create network %s: a network of that name exists and is not crispify's: remove it with `docker network rm %s` or change project in the manifest", name, n.ID[:min(12, len(n.ID))])
		}
		if !p.mine(n.Labels) {
			return p.refuseForeign("network "+name, n.Labels)
		}
		ours = append(ours, n)
	}
	if len(ours) == 0 {
		// Callers hold the project's lock: no other crispify creates it now.
		if err := p.Engine.NetworkCreate(ctx, name, p.ownLabels(nil)); err != nil {
			return fmt.Errorf("create network %s: %w", name, err)
		}
		return nil
	}
	// Keep the smallest ID, so that any two runs doing this keep the same
	// one; the others are removed while still empty.
	slices.SortFunc(ours, func(a, b Network) int { return strings.Compare(a.ID, b.ID) })
	for _, extra := range ours[min(1, len(ours)):] {
		if err := p.Engine.NetworkRemove(ctx, extra.ID); err != nil && !errors.Is(err, ErrNotFound) {
			return fmt.Errorf("network %s exists twice and the second (%.12s) cannot be removed: %w: remove it with `docker network rm %.12s`", name, extra.ID, err, extra.ID)
		}
	}
	return nil
}

// infra returns the manifest entry of an infra name.
func (p *Project) infra(name string) (*manifest.Infra, error) {
	in, ok := p.Manifest.Infra[name]
	if !ok {
		return nil, fmt.Errorf("unknown infra %q: the manifest has %s: check the name", name, strings.Join(p.Manifest.InfraNames(), ", "))
	}
	return in, nil
}
