package docker

import (
	"fmt"
	"net"
	"strings"
)

// CheckReachable tells whether every port the manifest publishes can be
// reached from this machine on this engine: what `crispify doctor` asks.
func (p *Project) CheckReachable() error { return p.checkReachable() }

// checkReachable refuses, before anything is created, a port that this
// project's engine cannot make reachable from this machine. Over tcp://
// nothing is tunnelled, so a port published on the engine's loopback (the
// manifest's default) would reach no one here; ssh forwards TCP only.
func (p *Project) checkReachable() error {
	var bad []string
	kind := p.kind()
	for _, name := range p.Manifest.InfraNames() {
		for _, port := range p.Manifest.Infra[name].Ports {
			switch {
			case kind == engineTCP && (port.HostIP == "" || isLoopbackIP(port.HostIP)):
				bad = append(bad, fmt.Sprintf("%s publishes %q on that machine's %s, which nothing here can reach: write \"0.0.0.0:%d:%d\" to publish it on every interface of %s (whoever reaches that machine then reaches it)",
					name, port.Source, port.HostIP, port.Host, port.Container, hostOf(p.Engine.Endpoint())))
			case kind == engineSSH && port.Proto != "tcp":
				bad = append(bad, fmt.Sprintf("%s publishes %q, and ssh forwards TCP only: drop it, or run %s on a local engine", name, port.Source, name))
			}
		}
	}
	if len(bad) == 0 {
		return nil
	}
	why := "the engine at " + p.Engine.Endpoint() + " is another machine's"
	if kind == engineTCP {
		why += ", and tcp:// carries no tunnels (an ssh:// endpoint does: crispify forwards its ports to 127.0.0.1 here)"
	}
	return fmt.Errorf("%s; nothing was created:\n  %s", why, strings.Join(bad, "\n  "))
}

func isLoopbackIP(s string) bool {
	ip := net.ParseIP(s)
	return ip != nil && ip.IsLoopback()
}

func hostOf(endpoint string) string {
	return Endpoint{Host: endpoint}.HostAddress()
}
