package docker

import (
	"context"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/probe"
	"github.com/crispify/crispify/internal/ssh"
)

// probeTarget is the probe of a running container and where it dials: where
// the workers will reach it (probeAddr). On an ssh:// engine that is the
// infra's tunnel, so the tunnel is opened first, as soon as the container
// runs rather than once it is healthy: until the protocol answers through
// it, the container is not healthy for anyone on this machine. ok is false
// when there is no probe or nowhere to dial it; Docker's check then decides.
func (p *Project) probeTarget(ctx context.Context, name string, c Container) (probe.Probe, string, bool, error) {
	in := p.Manifest.Infra[name]
	if in == nil {
		return probe.Probe{}, "", false, nil
	}
	pr, ok := ProbeOf(in)
	if !ok {
		return probe.Probe{}, "", false, nil
	}
	if p.Reach == nil && p.Tunnels != nil && p.kind() == engineSSH {
		if err := p.openTunnel(ctx, name, "running on "+p.Engine.Endpoint()+"; opening its tunnel, through which "+pr.Protocol()+" is tried"); err != nil {
			return probe.Probe{}, "", false, err
		}
	}
	addr, ok := p.probeAddr(name, c, pr.Port)
	return pr, addr, ok, nil
}

// openTunnel makes an infra's tunnel carry its ports, saying so (why) while
// it connects; a tunnel already carrying them is left as it is, unsaid.
func (p *Project) openTunnel(ctx context.Context, name, why string) error {
	fw := p.forwards(name)
	if len(fw) == 0 || p.Tunnels == nil {
		return nil
	}
	if !p.tunnelCarries(name, fw) {
		p.emit(event.Event{Kind: event.Infra, Name: name, Phase: event.Waiting, Tunnel: ssh.TunnelConnecting, Msg: why})
	}
	return p.Tunnels.Open(ctx, name, fw)
}

// tunnelCarries reports whether an infra's tunnel holds every one of ports.
func (p *Project) tunnelCarries(name string, ports []ssh.Forward) bool {
	for _, f := range ports {
		if !p.Tunnels.Holds(name, f.Port) {
			return false
		}
	}
	return true
}
