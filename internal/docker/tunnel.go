package docker

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"os/exec"
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
	target   sshTarget
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
	tunnelOpenTimeout = sshConnectTimeout + 20*time.Second
)

// NewTunnels returns the tunnels of an engine, or nil when it needs none
// (a local engine, a tcp:// one). stateDir is the workspace's .crispify
// folder, where their state is kept for `crispify status`; sink gets
// their changes as infra events.
func NewTunnels(ep Endpoint, stateDir string, sink event.Sink) *Tunnels {
	if !ep.SSH() {
		return nil
	}
	target, err := parseSSHTarget(ep.Host)
	if err != nil {
		return nil // Connect refused the endpoint already
	}
	if sink == nil {
		sink = event.Discard
	}
	return &Tunnels{target: target, endpoint: ep.Host, sink: sink, state: newTunnelStateFile(stateDir, ep.Host), byInfra: map[string]*tunnel{}}
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
			infra, forwardList(ports), t.endpoint, tunnelOpenTimeout, tn.lastError(), t.target.display())
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

// tunnel is one infra container's ssh process and its restarts.
type tunnel struct {
	owner *Tunnels
	infra string
	ports []Forward

	up       chan struct{} // closed once it was up the first time
	upOnce   sync.Once
	quit     chan struct{}
	quitOnce sync.Once
	done     chan struct{}

	mu    sync.Mutex // guards what snapshot reads
	state string
	since time.Time
	err   string
	pid   int
}

func (tn *tunnel) snapshot() TunnelState {
	tn.mu.Lock()
	defer tn.mu.Unlock()
	return TunnelState{Infra: tn.infra, State: tn.state, Ports: forwardStrings(tn.ports), Since: tn.since, Error: tn.err, PID: tn.pid}
}

func (tn *tunnel) set(state, err string, pid int) {
	tn.mu.Lock()
	defer tn.mu.Unlock()
	tn.state, tn.err, tn.pid, tn.since = state, err, pid, time.Now()
}

func (tn *tunnel) lastError() string {
	tn.mu.Lock()
	defer tn.mu.Unlock()
	if tn.err == "" {
		return "ssh has not logged in yet"
	}
	return tn.err
}

func (tn *tunnel) stop() {
	tn.quitOnce.Do(func() { close(tn.quit) })
	<-tn.done
}

// run keeps the tunnel up until stop: start ssh, wait until this
// machine's ends accept, wait for ssh to end, say so, back off, again.
func (tn *tunnel) run() {
	defer close(tn.done)
	backoff := tunnelFirstBackoff
	var downSince time.Time
	for {
		tn.set(TunnelConnecting, tn.errText(), 0)
		tn.owner.changed(tn, nil)
		started := time.Now()
		cmd, exited, stderr, err := tn.start()
		if err == nil {
			tn.set(TunnelConnecting, "", cmd.Process.Pid)
			err = tn.awaitUp(exited, stderr)
		}
		if err == nil {
			msg := "tunnel up: " + tn.describe()
			if !downSince.IsZero() {
				msg = fmt.Sprintf("tunnel back up after %s: %s", time.Since(downSince).Round(100*time.Millisecond), tn.describe())
			}
			tn.set(TunnelUp, "", cmd.Process.Pid)
			if downSince.IsZero() { // the first up is said by Up, with the container's health
				tn.owner.changed(tn, nil)
			} else {
				tn.owner.changed(tn, &event.Event{Phase: event.Healthy, Tunnel: TunnelUp, Msg: msg})
			}
			tn.upOnce.Do(func() { close(tn.up) }) // once status can see it too
			select {
			case <-exited:
				err = sshEnded(stderr)
			case <-tn.quit:
			}
		}
		if cmd != nil {
			endProcess(cmd, exited)
		}
		select {
		case <-tn.quit:
			tn.set(TunnelDown, "closed", 0)
			return
		default:
		}
		if time.Since(started) > tunnelSteady {
			backoff = tunnelFirstBackoff
		}
		if downSince.IsZero() || tn.wasUp() {
			downSince = time.Now()
		}
		tn.set(TunnelDown, err.Error(), 0)
		tn.owner.changed(tn, &event.Event{Phase: event.Sick, Tunnel: TunnelDown,
			Msg: fmt.Sprintf("tunnel down (%v): reconnecting in %s", err, backoff)})
		t := time.NewTimer(backoff)
		select {
		case <-t.C:
		case <-tn.quit:
			t.Stop()
			tn.set(TunnelDown, "closed", 0)
			return
		}
		backoff = min(2*backoff, tunnelMaxBackoff)
	}
}

func (tn *tunnel) errText() string {
	tn.mu.Lock()
	defer tn.mu.Unlock()
	return tn.err
}

func (tn *tunnel) wasUp() bool {
	tn.mu.Lock()
	defer tn.mu.Unlock()
	return tn.state == TunnelUp
}

// describe is the tunnel for messages: 127.0.0.1:6379 <- ssh://dev@buildbox.
func (tn *tunnel) describe() string {
	return forwardList(tn.ports) + " <- " + tn.owner.endpoint
}

// start runs `ssh -N -L ...`. ExitOnForwardFailure makes a port this
// machine cannot listen on end ssh, which then says why; the keepalives
// end it within 15 s of a connection that went silent.
func (tn *tunnel) start() (*exec.Cmd, chan struct{}, *tailBuffer, error) {
	opts := []string{"-N", "-T", "-o", "ExitOnForwardFailure=yes", "-o", "ServerAliveInterval=5", "-o", "ServerAliveCountMax=3"}
	for _, f := range tn.ports {
		opts = append(opts, "-L", fmt.Sprintf("%s:127.0.0.1:%d", f.String(), f.Port))
	}
	cmd := exec.Command("ssh", tn.owner.target.args(opts)...)
	sshProcAttr(cmd)
	stderr := &tailBuffer{max: 4 << 10}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		return nil, nil, nil, fmt.Errorf("start ssh: %w: is OpenSSH's ssh on PATH?", err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	return cmd, exited, stderr, nil
}

// awaitUp waits until every local end of the tunnel accepts connections:
// ssh listens on them once it has logged in.
func (tn *tunnel) awaitUp(exited chan struct{}, stderr *tailBuffer) error {
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	deadline := time.NewTimer(tunnelOpenTimeout)
	defer deadline.Stop()
	for {
		if tn.listening() {
			return nil
		}
		select {
		case <-exited:
			return sshEnded(stderr)
		case <-tn.quit:
			return errors.New("closed")
		case <-deadline.C:
			return fmt.Errorf("ssh did not open the tunnel within %s", tunnelOpenTimeout)
		case <-tick.C:
		}
	}
}

func (tn *tunnel) listening() bool {
	for _, f := range tn.ports {
		addr := f.String()
		if f.LocalIP == "0.0.0.0" || f.LocalIP == "" {
			addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(f.Port))
		} else if f.LocalIP == "::" {
			addr = net.JoinHostPort("::1", strconv.Itoa(f.Port))
		}
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			return false
		}
		c.Close()
	}
	return true
}

// sshEnded is why an ssh process ended, from the last line it wrote.
func sshEnded(stderr *tailBuffer) error {
	if said := stderr.lastLines(2); strings.HasSuffix(said, "Could not request local forwarding.") {
		// The line before says which port and why: "bind [127.0.0.1]:6379: Address already in use".
		return fmt.Errorf("ssh: %s", strings.ReplaceAll(strings.TrimSuffix(said, "."), "\n", ": "))
	}
	if said := stderr.lastLine(); said != "" {
		return fmt.Errorf("ssh: %s", strings.TrimSuffix(strings.TrimPrefix(said, "ssh: "), "."))
	}
	return errors.New("ssh: the connection ended")
}

// endProcess stops an ssh process: SIGTERM, then SIGKILL after 2 s.
func endProcess(cmd *exec.Cmd, exited chan struct{}) {
	select {
	case <-exited:
		return
	default:
	}
	_ = terminate(cmd)
	select {
	case <-exited:
	case <-time.After(2 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
	}
}

func forwardStrings(ports []Forward) []string {
	out := make([]string, len(ports))
	for i, f := range ports {
		out[i] = f.String()
	}
	return out
}

func forwardList(ports []Forward) string { return strings.Join(forwardStrings(ports), ", ") }
