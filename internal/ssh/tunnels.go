// Package ssh runs the user's own ssh for crispify, so that ~/.ssh/config,
// the agent and known_hosts apply as for `docker -H ssh://`: the
// connections to an ssh:// Docker engine (Dialer), the tunnels that bring
// the ports it publishes on its own loopback to this machine (Tunnels), and
// a command on the engine's machine (Target.Output). It knows no engine:
// package docker says when an engine needs it.
package ssh

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/crispify/crispify/internal/event"
)

// Tunnels forward the ports an ssh:// engine publishes on its own 127.0.0.1
// to the same ports on this machine, so that workers reach the infra at
// CRISPIFY_HOST=127.0.0.1 as with a local engine. Each infra container has
// one tunnel: the user's `ssh -N -L ...` (their ~/.ssh/config, agent and
// known_hosts apply), restarted with a backoff when its connection drops.
// They live until Close: the session that runs the stack owns them.
type Tunnels struct {
	target   Target
	endpoint string // for messages: ssh://dev@buildbox
	sink     event.Sink
	state    *tunnelStateFile

	mu      sync.Mutex
	byInfra map[string]*tunnel
	closed  bool
	wg      sync.WaitGroup
}

// Forward is one port a tunnel carries: Local is this machine's end
// (the manifest's address, 127.0.0.1 unless written otherwise), forwarded
// to the same port on the engine's 127.0.0.1.
type Forward struct {
	LocalIP string
	Port    int
}

func (f Forward) String() string { return net.JoinHostPort(f.LocalIP, strconv.Itoa(f.Port)) }

// TunnelState is one tunnel as the board and status show it.
type TunnelState struct {
	Infra string    `json:"infra"`
	State string    `json:"state"` // connecting, up or down
	Ports []string  `json:"ports"`
	Since time.Time `json:"since"`
	Error string    `json:"error,omitempty"`
	PID   int       `json:"pid,omitempty"` // of its ssh
}

// Tunnel states, in TunnelState.State and in the tunnel field of infra
// events.
const (
	TunnelConnecting = "connecting"
	TunnelUp         = "up"
	TunnelDown       = "down"
)

// Tunnel backoff: 1 s doubling to 30 s, as workers restart; reset after a
// minute up.
const (
	tunnelFirstBackoff = time.Second
	tunnelMaxBackoff   = 30 * time.Second
	tunnelSteady       = time.Minute
	// tunnelOpenTimeout bounds the wait for a new tunnel's first login.
	tunnelOpenTimeout = ConnectTimeout + 20*time.Second
)

// NewTunnels returns the tunnels to target, whose engine is endpoint
// (ssh://dev@buildbox, for messages). stateDir is the workspace's .crispify
// folder, where their state is kept for `crispify status`; sink gets
// their changes as infra events.
func NewTunnels(target Target, endpoint, stateDir string, sink event.Sink) *Tunnels {
	if sink == nil {
		sink = event.Discard
	}
	return &Tunnels{target: target, endpoint: endpoint, sink: sink, state: newTunnelStateFile(stateDir, endpoint), byInfra: map[string]*tunnel{}}
}

// Open makes the tunnel of one infra container carry its ports, starting it
// if it does not run, and waits until it is up. Opening what is open
// already returns at once.
func (t *Tunnels) Open(ctx context.Context, infra string, ports []Forward) error {
	if t == nil || len(ports) == 0 {
		return nil
	}
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return errors.New("the tunnels are closed: the stack is stopping")
	}
	tn := t.byInfra[infra]
	if tn != nil && !slices.Equal(tn.ports, ports) {
		t.mu.Unlock()
		tn.stop() // its ports changed with the manifest
		t.mu.Lock()
		tn = nil
	}
	if tn == nil {
		tn = &tunnel{owner: t, infra: infra, ports: ports, up: make(chan struct{}), quit: make(chan struct{}), done: make(chan struct{})}
		t.byInfra[infra] = tn
		t.wg.Add(1)
		go func() {
			defer t.wg.Done()
			tn.run()
		}()
	}
	t.mu.Unlock()

	timer := time.NewTimer(tunnelOpenTimeout)
	defer timer.Stop()
	select {
	case <-tn.up:
		return nil
	case <-tn.done:
		return fmt.Errorf("forward the ports of %s: the tunnels were closed before it was up: the stack is stopping", infra)
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return fmt.Errorf("forward the ports of %s (%s) from %s: no tunnel after %s: %s: check `ssh %s true` works without a prompt",
			infra, ForwardList(ports), t.endpoint, tunnelOpenTimeout, tn.lastError(), t.target.Display())
	}
}

// Holds reports whether one of the tunnels listens on a port of this
// machine: such a port is crispify's own, not a conflict.
func (t *Tunnels) Holds(infra string, port int) bool {
	if t == nil {
		return false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	tn := t.byInfra[infra]
	return tn != nil && slices.ContainsFunc(tn.ports, func(f Forward) bool { return f.Port == port })
}

// States lists every tunnel, by infra name.
func (t *Tunnels) States() []TunnelState {
	if t == nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []TunnelState
	for _, name := range slices.Sorted(maps.Keys(t.byInfra)) {
		out = append(out, t.byInfra[name].snapshot())
	}
	return out
}

// Close stops every tunnel and waits for their ssh processes to end. It is
// safe to call on nil Tunnels, and more than once.
func (t *Tunnels) Close() error {
	if t == nil {
		return nil
	}
	t.mu.Lock()
	t.closed = true
	all := make([]*tunnel, 0, len(t.byInfra))
	for _, tn := range t.byInfra {
		all = append(all, tn)
	}
	t.mu.Unlock()
	for _, tn := range all {
		tn.stop()
	}
	t.wg.Wait()
	return t.state.remove()
}

// changed records a tunnel's new state and reports it, when e is set.
func (t *Tunnels) changed(tn *tunnel, e *event.Event) {
	t.mu.Lock()
	states := make([]TunnelState, 0, len(t.byInfra))
	for _, name := range slices.Sorted(maps.Keys(t.byInfra)) {
		states = append(states, t.byInfra[name].snapshot())
	}
	t.mu.Unlock()
	t.state.write(states)
	if e != nil {
		e.Kind, e.Name = event.Infra, tn.infra
		t.sink.Emit(*e)
	}
}

func forwardStrings(ports []Forward) []string {
	out := make([]string, len(ports))
	for i, f := range ports {
		out[i] = f.String()
	}
	return out
}

// ForwardList is ports for messages: 127.0.0.1:6379, 127.0.0.1:16379.
func ForwardList(ports []Forward) string { return strings.Join(forwardStrings(ports), ", ") }
