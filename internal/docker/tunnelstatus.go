package docker

import (
	"fmt"
	"time"

	"github.com/crispify/crispify/internal/ssh"
)

// withTunnel adds an ssh:// engine's tunnel to an infra's status: a
// container healthy over there is only reachable here while its tunnel is
// up. The tunnels are this process's when it holds them, else those of the
// stack running in this workspace (its state file).
func (p *Project) withTunnel(s Status, states map[string]ssh.TunnelState) Status {
	if p.kind() != engineSSH || len(p.forwards(s.Name)) == 0 || s.State == StateDead {
		return s
	}
	t, ok := states[s.Name]
	switch {
	case !ok:
		s.Detail = joinDetail(s.Detail, "ports on the engine's 127.0.0.1 only: no stack runs here to forward them (`crispify -d` does)")
	case t.State == ssh.TunnelUp:
		s.Detail = joinDetail(s.Detail, fmt.Sprintf("tunnel up since %s", t.Since.Format(time.TimeOnly)))
	case t.State == ssh.TunnelConnecting:
		s.State = StateStarting
		s.Detail = joinDetail(s.Detail, "tunnel connecting")
	default:
		s.State = StateSick
		s.Detail = joinDetail(s.Detail, fmt.Sprintf("tunnel down since %s (%s): reconnecting", t.Since.Format(time.TimeOnly), t.Error))
	}
	return s
}

// tunnelStates are the tunnels to report: this process's, else the
// stack's in this workspace.
func (p *Project) tunnelStates() map[string]ssh.TunnelState {
	if p.Tunnels != nil {
		out := map[string]ssh.TunnelState{}
		for _, t := range p.Tunnels.States() {
			out[t.Infra] = t
		}
		return out
	}
	return ssh.ReadStates(p.Manifest.StateDir(), p.Engine.Endpoint())
}

func joinDetail(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// tunnelUpElsewhere reports that the stack's supervisor keeps infra's
// tunnel up (its state file says so): a command of its own, such as
// status, probes through that tunnel's end here as the workers reach it.
func (p *Project) tunnelUpElsewhere(infra string) bool {
	t, ok := ssh.ReadStates(p.Manifest.StateDir(), p.Engine.Endpoint())[infra]
	return ok && t.State == ssh.TunnelUp
}
