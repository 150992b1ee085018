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
}

func (e *PortError) Error() string {
	parts := make([]string, len(e.Conflicts))
	for i, c := range e.Conflicts {
		holder := c.Holder
		if holder == "" {
			holder = "another program"
		}
		parts[i] = fmt.Sprintf("%s:%d is taken by %s", c.Port.HostIP, c.Port.HostPort, holder)
	}
	first := e.Conflicts[0].Port
	return fmt.Sprintf("start %s: host port %s: stop what holds it, or publish %s on another port in the manifest (e.g. \"%d:%d\")",
		e.Infra, strings.Join(parts, "; "), e.Infra, first.HostPort+1, first.ContainerPort)
}

// checkPorts fails when a host port the container would publish is taken,
// naming the holder: another container, or a local process where the OS
// tells. Ports of the project's own container of that name are not
// conflicts. Only a local engine's ports are this machine's to check.
func (p *Project) checkPorts(ctx context.Context, infra string, ports []PortBinding) error {
	if !p.Local || len(ports) == 0 {
		return nil
	}
	own := ContainerName(p.Manifest.Project, infra)
	containers, err := p.Engine.ContainerList(ctx, nil)
	if err != nil {
		return fmt.Errorf("check ports of %s: list containers: %w", infra, err)
	}
	var conflicts []PortConflict
	for _, want := range ports {
		if holder := containerHolding(containers, want, own, p.Manifest.Project); holder != "" {
			conflicts = append(conflicts, PortConflict{Port: want, Holder: holder})
			continue
		}
		if !portFree(want) {
			conflicts = append(conflicts, PortConflict{Port: want, Holder: processHolding(want.HostPort, want.Proto)})
		}
	}
	if len(conflicts) > 0 {
		return &PortError{Infra: infra, Conflicts: conflicts}
	}
	return nil
}

// containerHolding names a running container, other than ours, that
// publishes the port.
func containerHolding(containers []Container, want PortBinding, own, project string) string {
	for _, c := range containers {
		if c.Name == own || c.State != "running" {
			continue
		}
		for _, b := range c.Ports {
			if b.HostPort != want.HostPort || b.Proto != want.Proto || !ipsOverlap(b.HostIP, want.HostIP) {
				continue
			}
			if other := c.Labels[LabelProject]; other != "" {
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
