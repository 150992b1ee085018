package ssh

import (
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/crispify/crispify/internal/event"
)

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
	return ForwardList(tn.ports) + " <- " + tn.owner.endpoint
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
	procAttr(cmd)
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
