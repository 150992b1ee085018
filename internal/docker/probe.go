package docker

import (
	"net"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/crispify/crispify/internal/manifest"
	"github.com/crispify/crispify/internal/probe"
)

// While a container starts, crispify probes it itself, from the host, with
// the protocol its image speaks (package probe); this file says which probe
// an infra entry gets and where it dials.

// ProbeOf is the probe of an infra entry: the one its ready names, else the
// one its image calls for, spoken on the image's usual container port when
// the entry publishes that port, or publishes none (then the probe dials the
// container itself, see probeAddr). ok is false with ready: false, and for
// images crispify does not know, which keep Docker's health check only.
func ProbeOf(in *manifest.Infra) (pr probe.Probe, ok bool) {
	if r := in.Ready; r != nil {
		kind, port := r.Probe()
		return probe.Probe{Kind: kind, Port: port, Path: r.Path}, kind != ""
	}
	pr, ok = imageProbe(in.Image)
	if !ok {
		return probe.Probe{}, false
	}
	if len(in.Ports) > 0 && !slices.ContainsFunc(in.Ports, func(p manifest.Port) bool {
		return p.Container == pr.Port && p.Proto == "tcp"
	}) {
		// Another program of the family (mongo-express, redis-commander)
		// or the server on a port of its own: the manifest's ready says.
		return probe.Probe{}, false
	}
	return pr, true
}

// imageProbe knows the images by the first word of the last part of their
// name: rabbitmq:3.13-management, bitnami/redis, ssdb-standin,
// docker.elastic.co/elasticsearch/elasticsearch:8.13.
func imageProbe(image string) (probe.Probe, bool) {
	name, _, _ := strings.Cut(image, "@") // no digest
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	name, _, _ = strings.Cut(name, ":") // no tag
	word := strings.ToLower(name)
	if i := strings.IndexAny(word, "-_."); i >= 0 {
		word = word[:i]
	}
	switch word {
	case "rabbitmq":
		return probe.Probe{Kind: manifest.ProbeAMQP, Port: 5672}, true
	case "mongo", "mongodb", "ferretdb":
		return probe.Probe{Kind: manifest.ProbeMongo, Port: 27017}, true
	case "mysql", "mariadb":
		return probe.Probe{Kind: manifest.ProbeMySQL, Port: 3306}, true
	case "redis":
		return probe.Probe{Kind: manifest.ProbeRedis, Port: 6379}, true
	case "ssdb":
		return probe.Probe{Kind: manifest.ProbeSSDB, Port: 8888}, true
	case "elasticsearch":
		return probe.Probe{Kind: manifest.ProbeHTTP, Port: 9200, Path: "/_cluster/health"}, true
	}
	return probe.Probe{}, false
}

// probeAddr is where the probe of a container port dials: where the workers
// reach it. That is Reach's answer when set; else the published host port
// at the engine's host (Host, CRISPIFY_HOST, or the host of the engine's
// endpoint), or at the address the port is published on when the engine is
// this machine's. A port published on a remote engine's loopback cannot be
// reached from here. On an ssh:// engine the ports are on its loopback,
// reached only through the infra's tunnel: a port its tunnel carries is
// dialled at this machine's end (probeTarget opens the tunnel as soon as
// the container runs), and without tunnels (a command that holds no
// stack) Docker's health check decides. A port not
// published is dialled on the container's own address on the project's
// network, which only an engine on this machine's unix socket, on Linux,
// routes to here (Docker Desktop's runs in a VM, and the probe then never
// passes); elsewhere Docker's health check alone decides.
func (p *Project) probeAddr(infra string, c Container, port int) (string, bool) {
	host := p.host()
	ssh := p.kind() == engineSSH
	for _, b := range c.Ports {
		if b.ContainerPort != port || b.Proto != "tcp" || b.HostPort == 0 {
			continue
		}
		if p.Reach != nil {
			return p.Reach(b)
		}
		hostPort := strconv.Itoa(b.HostPort)
		if ssh {
			if !p.Tunnels.Holds(infra, b.HostPort) && !(p.Tunnels == nil && p.tunnelUpElsewhere(infra)) {
				return "", false
			}
			return net.JoinHostPort(p.tunnelEnd(infra, b.HostPort), hostPort), true
		}
		switch {
		case unspecifiedIP(b.HostIP):
			return net.JoinHostPort(host, hostPort), true
		case loopback(host):
			return net.JoinHostPort(b.HostIP, hostPort), true
		case loopback(b.HostIP):
			return "", false
		default:
			return net.JoinHostPort(b.HostIP, hostPort), true
		}
	}
	if p.Reach != nil || ssh || runtime.GOOS != "linux" || !loopback(host) || !strings.HasPrefix(p.Engine.Endpoint(), "unix://") {
		return "", false
	}
	if ip := c.NetworkIPs[p.Manifest.Project]; ip != "" {
		return net.JoinHostPort(ip, strconv.Itoa(port)), true
	}
	return "", false
}

// tunnelEnd is this machine's address of a port an infra's tunnel carries:
// the manifest's, 127.0.0.1 unless written otherwise.
func (p *Project) tunnelEnd(infra string, port int) string {
	for _, f := range p.forwards(infra) {
		if f.Port == port && !unspecifiedIP(f.LocalIP) {
			return f.LocalIP
		}
	}
	return "127.0.0.1"
}

// host is where the engine's published ports are: Host when set, else the
// host of a tcp:// endpoint, else this machine.
func (p *Project) host() string {
	if p.Host != "" {
		return p.Host
	}
	return Endpoint{Host: p.Engine.Endpoint()}.HostAddress()
}

func unspecifiedIP(ip string) bool { return ip == "" || ip == "0.0.0.0" || ip == "::" }

// readiness is the probe of a started container and where it dials; ok is
// false when there is none, or nowhere to dial it.
func (p *Project) readiness(name string, c Container) (probe.Probe, string, bool) {
	in := p.Manifest.Infra[name]
	if in == nil {
		return probe.Probe{}, "", false
	}
	pr, ok := ProbeOf(in)
	if !ok {
		return probe.Probe{}, "", false
	}
	addr, ok := p.probeAddr(name, c, pr.Port)
	return pr, addr, ok
}
