package stack

import (
	"context"

	"github.com/crispify/crispify/internal/docker"
	"github.com/crispify/crispify/internal/event"
)

// Node IDs of infrastructure steps.
const (
	networkID = "network"
	unlockID  = "infra-unlock"
)

// InfraID is the node of an infra container.
func InfraID(name string) string { return "infra:" + name }

func imageID(ref string) string { return "image:" + ref }

// AddInfra adds to g the steps that bring the named infra up, with what
// they need: the project's network, every image (pulled in parallel, each
// once), and each container as soon as its own needs are healthy. Whoever
// runs g calls p.Unlock when the run ends.
func AddInfra(g *Graph, p *docker.Project, names []string) {
	// The network has no events of its own: when it fails, every infra node
	// reports "needs network", and the error says why. It is made under the
	// machine's lock on the project, held until every container is healthy
	// (or, when one fails, until the caller's Unlock after the run).
	g.Add(Node{ID: networkID, Run: func(ctx context.Context) error {
		if err := p.Lock(ctx, names); err != nil {
			return err
		}
		return p.EnsureNetwork(ctx)
	}})
	infraIDs := make([]string, 0, len(names))
	for _, name := range names {
		infraIDs = append(infraIDs, InfraID(name))
	}
	g.Add(Node{ID: unlockID, Needs: infraIDs, Run: func(context.Context) error {
		p.Unlock()
		return nil
	}})
	p.ChooseLead(names)
	images := map[string]bool{}
	for _, name := range names {
		images[p.Manifest.Infra[name].Image] = true
	}
	p.ExpectImages(len(images))
	for _, name := range names {
		in := p.Manifest.Infra[name]
		ref := in.Image
		g.Add(Node{ID: imageID(ref), Kind: event.Image, Name: ref, Run: func(ctx context.Context) error {
			_, err := p.EnsureImage(ctx, ref)
			return err
		}})
		needs := []string{networkID, imageID(ref)}
		for _, n := range in.Needs {
			needs = append(needs, InfraID(n))
		}
		g.Add(Node{ID: InfraID(name), Kind: event.Infra, Name: name, Needs: needs, Run: func(ctx context.Context) error {
			return p.Up(ctx, name)
		}})
	}
}
