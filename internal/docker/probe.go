package docker

import (
	"context"
	"fmt"
	"net"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/crispify/crispify/internal/manifest"
)

// While a container starts, crispify probes it itself, from the host,
// through the port the workers will use, with the protocol's own cheap
// handshake. Where crispify knows the protocol, that probe is what makes
// the container healthy: Docker's check often passes before the server
// serves (rabbitmq-diagnostics ping answers once the Erlang node runs,
// seconds before the broker listens), and a worker started then fails.
// It is also sooner: Docker runs its check only every interval (often 10 s
// or 30 s). Docker's check failing, or the container exiting, still makes
// it sick or dead, before and after (see confirm). Nothing is run inside
// the container.

// Probe is one readiness check: a protocol spoken on a container port.
type Probe struct {
	Kind string // manifest.ProbeAMQP, ProbeMongo, ProbeMySQL, ProbeRedis, ProbeSSDB or ProbeHTTP
	Port int    // the container port it is spoken on
	Path string // what an http probe gets; "/" when empty
}

func (pr Probe) String() string {
	if pr.Kind == manifest.ProbeHTTP {
		return fmt.Sprintf("http GET %s on %d", pr.path(), pr.Port)
	}
	return fmt.Sprintf("%s on %d", pr.Kind, pr.Port)
}

func (pr Probe) path() string {
	if pr.Path == "" {
		return "/"
	}
	return pr.Path
}

const (
	// probeEvery is how often a starting container is probed.
	probeEvery = 100 * time.Millisecond
	// probeTimeout bounds one attempt: a server that accepts and says
	// nothing for this long is not ready yet.
	probeTimeout = time.Second
)

// ProbeOf is the probe of an infra entry: the one its ready names, else the
// one its image calls for, spoken on the image's usual container port when
// the entry publishes that port, or publishes none (then the probe dials the
// container itself, see probeAddr). ok is false with ready: false, and for
// images crispify does not know, which keep Docker's health check only.
func ProbeOf(in *manifest.Infra) (pr Probe, ok bool) {
	if r := in.Ready; r != nil {
		kind, port := r.Probe()
		return Probe{Kind: kind, Port: port, Path: r.Path}, kind != ""
	}
	pr, ok = imageProbe(in.Image)
	if !ok {
		return Probe{}, false
	}
	if len(in.Ports) > 0 && !slices.ContainsFunc(in.Ports, func(p manifest.Port) bool {
		return p.Container == pr.Port && p.Proto == "tcp"
	}) {
		// Another program of the family (mongo-express, redis-commander)
		// or the server on a port of its own: the manifest's ready says.
		return Probe{}, false
	}
	return pr, true
}

// imageProbe knows the images by the first word of the last part of their
// name: rabbitmq:3.13-management, bitnami/redis, ssdb-standin,
// docker.elastic.co/elasticsearch/elasticsearch:8.13.
func imageProbe(image string) (Probe, bool) {
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
		return Probe{Kind: manifest.ProbeAMQP, Port: 5672}, true
	case "mongo", "mongodb", "ferretdb":
		return Probe{Kind: manifest.ProbeMongo, Port: 27017}, true
	case "mysql", "mariadb":
		return Probe{Kind: manifest.ProbeMySQL, Port: 3306}, true
	case "redis":
		return Probe{Kind: manifest.ProbeRedis, Port: 6379}, true
	case "ssdb":
		return Probe{Kind: manifest.ProbeSSDB, Port: 8888}, true
	case "elasticsearch":
		return Probe{Kind: manifest.ProbeHTTP, Port: 9200, Path: "/_cluster/health"}, true
	}
	return Probe{}, false
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
			if !p.Tunnels.Holds(infra, b.HostPort) {
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
func (p *Project) readiness(name string, c Container) (Probe, string, bool) {
	in := p.Manifest.Infra[name]
	if in == nil {
		return Probe{}, "", false
	}
	pr, ok := ProbeOf(in)
	if !ok {
		return Probe{}, "", false
	}
	addr, ok := p.probeAddr(name, c, pr.Port)
	return pr, addr, ok
}

// readyWatch is a probe tried every probeEvery against a container until it
// passes once: then the protocol answers where the workers reach it, and
// probing stops, so that the server sees one handshake of crispify's per
// boot rather than one every 100 ms for as long as it runs.
type readyWatch struct {
	probe  Probe
	addr   string
	tried  chan struct{} // closed once the first attempt is over
	passed chan struct{} // closed by the first pass
	last   atomic.Value  // string: why the latest attempt failed
}

// watchReady starts probing; the watch gives up when ctx ends.
func watchReady(ctx context.Context, pr Probe, addr string) *readyWatch {
	w := &readyWatch{probe: pr, addr: addr, tried: make(chan struct{}), passed: make(chan struct{})}
	go func() {
		tick := time.NewTicker(probeEvery)
		defer tick.Stop()
		first := true
		for {
			attempt, cancel := context.WithTimeout(ctx, probeTimeout)
			err := pr.Check(attempt, addr)
			cancel()
			// passed before tried: a first attempt that passes never
			// reads, for a moment, as one that failed.
			if err == nil {
				close(w.passed)
			} else {
				w.last.Store(err.Error())
			}
			if first {
				close(w.tried)
				first = false
			}
			if err == nil {
				return
			}
			select {
			case <-tick.C:
			case <-ctx.Done():
				return
			}
		}
	}()
	return w
}

// missing says what the watch still waits for, as a waiting row shows it:
// "AMQP does not answer yet at 127.0.0.1:5672".
func (w *readyWatch) missing() string {
	return w.probe.Protocol() + " does not answer yet at " + w.addr
}

// lastError is why the latest attempt failed; empty before the first.
func (w *readyWatch) lastError() string {
	s, _ := w.last.Load().(string)
	return s
}

// Protocol names what the probe speaks, for messages: AMQP, MySQL,
// "HTTP GET /_cluster/health".
func (pr Probe) Protocol() string {
	switch pr.Kind {
	case manifest.ProbeAMQP:
		return "AMQP"
	case manifest.ProbeMongo:
		return "MongoDB"
	case manifest.ProbeMySQL:
		return "MySQL"
	case manifest.ProbeRedis:
		return "Redis"
	case manifest.ProbeSSDB:
		return "SSDB"
	case manifest.ProbeHTTP:
		return "HTTP GET " + pr.path()
	}
	return pr.Kind
}
