package docker

import (
	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/ssh"
)

// NewTunnels returns the tunnels that forward an engine's ports here, or
// nil when it needs none: a local engine, a tcp:// one, ssh to this
// machine (see kindOf). stateDir is the workspace's .crispify folder,
// where their state is kept for `crispify status`; sink gets their
// changes as infra events.
func NewTunnels(ep Endpoint, stateDir string, sink event.Sink) *ssh.Tunnels {
	if !ep.SSH() {
		return nil
	}
	target, err := ssh.ParseTarget(ep.Host)
	if err != nil {
		return nil // Connect refused the endpoint already
	}
	return ssh.NewTunnels(target, ep.Host, stateDir, sink)
}
