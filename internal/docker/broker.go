package docker

import (
	"context"
	"maps"
	"slices"

	"github.com/crispify/crispify/internal/manifest"
)

// Broker is where this machine reaches a RabbitMQ infra and as whom: what
// the queues reader needs. Its credentials are the container's own (the
// manifest's RABBITMQ_DEFAULT_USER and _PASS, else RabbitMQ's guest): they
// are for a client's handshake only, never to be printed.
type Broker struct {
	Infra       string
	ContainerID string
	// AMQP and Management are host:port where this machine reaches the
	// broker's AMQP port and its management API (container port 15672);
	// "" when the port is not reachable from here.
	AMQP, Management string
	// HostPorts are the host ports the AMQP port is published on: the
	// ports the workers' sockets connect to, through the engine's proxy.
	HostPorts []int
	// ContainerPort is the broker's AMQP port inside the container.
	ContainerPort int
	User, Pass    string
	// Exec runs a command in the container; nil when the engine cannot.
	Exec func(ctx context.Context, cmd []string) ([]byte, error)
}

// managementPort is the management API's port in RabbitMQ's images.
const managementPort = 15672

// Brokers are the project's running RabbitMQ infra (those probed by AMQP,
// or whose image is RabbitMQ's), by name.
func (p *Project) Brokers(ctx context.Context) ([]Broker, error) {
	var out []Broker
	for _, name := range slices.Sorted(maps.Keys(p.Manifest.Infra)) {
		in := p.Manifest.Infra[name]
		pr, ok := ProbeOf(in)
		if !ok || pr.Kind != manifest.ProbeAMQP {
			// A RabbitMQ image whose probing the manifest turned off is
			// still one.
			if pr, ok = imageProbe(in.Image); !ok || pr.Kind != manifest.ProbeAMQP {
				continue
			}
		}
		c, err := p.own(ctx, name)
		if err != nil || c.State != "running" {
			continue
		}
		b := Broker{Infra: name, ContainerID: c.ID, ContainerPort: pr.Port, User: "guest", Pass: "guest"}
		if u := in.Env["RABBITMQ_DEFAULT_USER"]; u != "" {
			b.User = u
		}
		if pw := in.Env["RABBITMQ_DEFAULT_PASS"]; pw != "" {
			b.Pass = pw
		}
		b.AMQP, _ = p.probeAddr(name, c, pr.Port)
		b.Management, _ = p.probeAddr(name, c, managementPort)
		for _, pb := range c.Ports {
			if pb.ContainerPort == pr.Port && pb.Proto == "tcp" && pb.HostPort != 0 {
				b.HostPorts = append(b.HostPorts, pb.HostPort)
			}
		}
		if x, ok := p.Engine.(Execer); ok {
			id := c.ID
			b.Exec = func(ctx context.Context, cmd []string) ([]byte, error) { return x.Exec(ctx, id, cmd) }
		}
		out = append(out, b)
	}
	return out, nil
}
