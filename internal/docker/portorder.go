package docker

import (
	"fmt"
	"slices"
	"strings"

	"github.com/crispify/crispify/internal/event"
)

// inManifestOrder orders an infra's published ports ("127.0.0.1:35672->5672/tcp")
// as its manifest entry lists them. The engine reports them from a map, in
// an order of its own that changes from one inspect to the next; a board,
// `status` and the JSON that shuffle them look like something changed.
// Ports the manifest does not list (or an infra it does not have) go last,
// in text order, so that the result is always the same.
func (p *Project) inManifestOrder(infra string, ports []string) []string {
	if len(ports) < 2 {
		return ports
	}
	rank := map[string]int{}
	if in := p.Manifest.Infra[infra]; in != nil {
		for i, port := range in.Ports {
			key := fmt.Sprintf("%d->%d/%s", port.Host, port.Container, port.Proto)
			if _, seen := rank[key]; !seen {
				rank[key] = i
			}
		}
	}
	rankOf := func(s string) int {
		if r, ok := rank[portKey(s)]; ok {
			return r
		}
		return len(rank)
	}
	out := slices.Clone(ports)
	slices.SortStableFunc(out, func(a, b string) int {
		if d := rankOf(a) - rankOf(b); d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	return out
}

// portKey is HOST->CONTAINER/PROTO of "IP:HOST->CONTAINER/PROTO": the
// address is left out, since an engine may report 0.0.0.0 and :: for one
// port the manifest writes once.
func portKey(s string) string {
	arrow := strings.Index(s, "->")
	if arrow < 0 {
		return s
	}
	return s[strings.LastIndexByte(s[:arrow], ':')+1:]
}

// ordered puts the ports of an infra event in the manifest's order: every
// event about a container passes here on its way out.
func (p *Project) ordered(e event.Event) event.Event {
	if e.Kind == event.Infra && len(e.Ports) > 1 {
		e.Ports = p.inManifestOrder(e.Name, e.Ports)
	}
	return e
}
