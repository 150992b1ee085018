package manifest

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
)

// DefaultHostIP is where ports are published unless the manifest names
// another address: a developer's laptop should not expose RabbitMQ to the
// café's Wi-Fi by accident.
const DefaultHostIP = "127.0.0.1"

// parsePort reads HOST:CONTAINER, IP:HOST:CONTAINER or [IPv6]:HOST:CONTAINER,
// each with an optional /tcp or /udp.
func parsePort(s string) (Port, error) {
	p := Port{HostIP: DefaultHostIP, Proto: "tcp", Source: s}
	rest := s
	if i := strings.LastIndexByte(rest, '/'); i >= 0 {
		p.Proto = rest[i+1:]
		rest = rest[:i]
		if p.Proto != "tcp" && p.Proto != "udp" {
			return p, fmt.Errorf("protocol %q: use tcp or udp", p.Proto)
		}
	}
	i := strings.LastIndexByte(rest, ':')
	if i < 0 {
		return p, errors.New(`write HOST:CONTAINER, like "8080:80"`)
	}
	host, container := rest[:i], rest[i+1:]
	if j := strings.LastIndexByte(host, ':'); j >= 0 {
		ip := strings.TrimSuffix(strings.TrimPrefix(host[:j], "["), "]")
		if net.ParseIP(ip) == nil {
			return p, fmt.Errorf("host address %q is not an IP address", host[:j])
		}
		p.HostIP, host = ip, host[j+1:]
	}
	var err error
	if p.Host, err = portNumber("host", host); err != nil {
		return p, err
	}
	if p.Container, err = portNumber("container", container); err != nil {
		return p, err
	}
	return p, nil
}

func portNumber(which, s string) (int, error) {
	if s == "" || strings.Trim(s, "0123456789") != "" {
		return 0, fmt.Errorf("%s port %q is not a number", which, s)
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 65535 {
		return 0, fmt.Errorf("%s port %s is out of range 1..65535", which, s)
	}
	return n, nil
}

// checkHostPorts reports a host port (and protocol) published twice, in one
// infra or across them. The address is ignored: 127.0.0.1:5672 and
// 0.0.0.0:5672 clash on the same machine.
func checkHostPorts(l *loader, m *Manifest) {
	type use struct {
		infra string
		at    pos
	}
	first := map[string]use{}
	for _, name := range m.InfraNames() {
		for i, p := range m.Infra[name].Ports {
			key := fmt.Sprintf("%d/%s", p.Host, p.Proto)
			here := l.at(l.portPath(name, i))
			prev, ok := first[key]
			switch {
			case !ok:
				first[key] = use{name, here}
			case prev.infra == name:
				l.add(here, "host port %s is published twice by infra %q (first at %d:%d)", key, name, prev.at.line, prev.at.col)
			default:
				l.add(here, "host port %s of infra %q is already published by infra %q (at %d:%d)", key, name, prev.infra, prev.at.line, prev.at.col)
			}
		}
	}
}

// portPath is the YAML path of an infra's i-th decoded port.
func (l *loader) portPath(infra string, i int) string {
	if paths := l.portPaths[infra]; i < len(paths) {
		return paths[i]
	}
	return join("infra", infra) + ".ports"
}
