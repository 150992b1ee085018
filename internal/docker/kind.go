package docker

import (
	"net"
	"net/url"
)

// engineKind says where an engine is, as far as ports and files go.
type engineKind int

const (
	// engineLocal runs on this machine: its ports and bind mounts are ours.
	engineLocal engineKind = iota
	// engineSSH is another machine's, reached over ssh://: crispify
	// publishes on its 127.0.0.1 and forwards each port here.
	engineSSH
	// engineTCP is another machine's, reached over tcp:// (TLS): nothing
	// can be forwarded, so only ports it publishes beyond its loopback are
	// reachable.
	engineTCP
)

// kindOf reads an endpoint's host: unix:// and npipe:// are local, as is
// any endpoint on a loopback address (ssh://localhost is this machine too).
func kindOf(host string) engineKind {
	u, err := url.Parse(host)
	if err != nil {
		return engineLocal
	}
	switch u.Scheme {
	case "ssh":
		if loopback(u.Hostname()) {
			return engineLocal
		}
		return engineSSH
	case "tcp", "http", "https":
		if u.Hostname() == "" || loopback(u.Hostname()) {
			return engineLocal
		}
		return engineTCP
	}
	return engineLocal
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// kind is where the project's engine is.
func (p *Project) kind() engineKind { return kindOf(p.Engine.Endpoint()) }
