package docker

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
)

// PortError lists the host ports an infra entry needs that something else holds.
type PortError struct {
	Infra     string
	Conflicts []PortConflict
}

// PortConflict is one taken port and, where it can be told, who holds it.
type PortConflict struct {
	Port   PortBinding
	Holder string // "container foo (not crispify's)", "process nginx (pid 42)", or ""
	// Where is the machine of the port, when it is not plainly this one:
	// " on ssh://dev@buildbox", or " on this machine, where its tunnel ends".
	Where string
}

func (e *PortError) Error() string {
	parts := make([]string, len(e.Conflicts))
	for i, c := range e.Conflicts {
		holder := c.Holder
		if holder == "" {
			holder = "another program"
		}
		parts[i] = fmt.Sprintf("%s:%d%s is taken by %s", c.Port.HostIP, c.Port.HostPort, c.Where, holder)
	}
	first := e.Conflicts[0].Port
	return fmt.Sprintf("start %s: host port %s: stop what holds it, or publish %s on another port in the manifest (e.g. \"%d:%d\")",
		e.Infra, strings.Join(parts, "; "), e.Infra, first.HostPort+1, first.ContainerPort)
}

// checkPorts fails when a host port the container would publish is taken,
// naming the holder: another container, or a local process where the OS
// tells. Ports of the project's own container of that name are not
// conflicts. On a local engine (Local) the ports are this machine's; on
// another machine's, that engine's containers are asked, and over ssh://
// this machine's end of each tunnel is checked too (see checkTunnelEnds).
func (p *Project) checkPorts(ctx context.Context, infra string, ports []PortBinding) error {
	kind := p.kind()
	if len(ports) == 0 || (kind == engineLocal && !p.Local) {
		return nil
	}
	where := ""
	if kind != engineLocal {
		where = " on " + p.Engine.Endpoint()
	}
	own := ContainerName(p.Manifest.Project, infra)
	containers, err := p.Engine.ContainerList(ctx, nil)
	if err != nil {
		return fmt.Errorf("check ports of %s: list containers: %w", infra, err)
	}
	var conflicts []PortConflict
	for _, want := range ports {
		if holder := containerHolding(containers, want, own, p.Manifest.Project, p.owner()); holder != "" {
			conflicts = append(conflicts, PortConflict{Port: want, Holder: holder, Where: where})
			continue
		}
		if kind == engineLocal && !portFree(want) {
			conflicts = append(conflicts, PortConflict{Port: want, Holder: processHolding(want.HostPort, want.Proto)})
		}
	}
	if kind == engineSSH {
		conflicts = append(conflicts, p.checkTunnelEnds(infra)...)
	}
	if len(conflicts) > 0 {
		return &PortError{Infra: infra, Conflicts: conflicts}
	}
	return nil
}

// checkTunnelEnds checks this machine's end of each port an ssh:// engine's
// container would publish: where its tunnel will listen. A port its own
// tunnel holds already is no conflict.
func (p *Project) checkTunnelEnds(infra string) []PortConflict {
	var conflicts []PortConflict
	for _, f := range p.forwards(infra) {
		if p.Tunnels.Holds(infra, f.Port) {
			continue
		}
		local := PortBinding{HostIP: f.LocalIP, HostPort: f.Port, Proto: "tcp"}
		if !portFree(local) {
			conflicts = append(conflicts, PortConflict{Port: local, Holder: processHolding(f.Port, "tcp"), Where: " on this machine, where its tunnel ends,"})
		}
	}
	return conflicts
}

// containerHolding names a running container, other than ours, that
// publishes the port.
func containerHolding(containers []Container, want PortBinding, own, project, me string) string {
	for _, c := range containers {
		if c.Name == own || c.State != "running" {
			continue
		}
		for _, b := range c.Ports {
			if b.HostPort != want.HostPort || b.Proto != want.Proto || !ipsOverlap(b.HostIP, want.HostIP) {
				continue
			}
			if other := c.Labels[LabelProject]; other != "" {
				if owner := c.Labels[LabelOwner]; owner != "" && owner != me {
					return fmt.Sprintf("container %s of %s's crispify project %s", c.Name, owner, other)
				}
				if other == project {
					return fmt.Sprintf("container %s of this project", c.Name)
				}
				return fmt.Sprintf("container %s of crispify project %s (run decrispify there)", c.Name, other)
			}
			return fmt.Sprintf("container %s (not crispify's)", c.Name)
		}
	}
	return ""
}

func ipsOverlap(a, b string) bool {
	unspecified := func(ip string) bool { return ip == "" || ip == "0.0.0.0" || ip == "::" }
	return a == b || unspecified(a) || unspecified(b)
}

// portFree tries to bind the port as the engine would.
func portFree(b PortBinding) bool {
	addr := net.JoinHostPort(b.HostIP, strconv.Itoa(b.HostPort))
	if b.Proto == "udp" {
		c, err := net.ListenPacket("udp", addr)
		if err != nil {
			return false
		}
		c.Close()
		return true
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return false
	}
	l.Close()
	return true
}
