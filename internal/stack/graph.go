package stack

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/crispify/crispify/internal/event"
)

// Node is one step of the plan.
type Node struct {
	// ID is unique in the graph: "repo:api", "image:redis:7.0", "infra:redis".
	ID string
	// Kind and Name say what the node is about in events, when a need
	// failed and the node does not run.
	Kind  event.Kind
	Name  string
	Needs []string
	Run   func(ctx context.Context) error
	// NeedFailed, when set, reports a need's failure in the node's place
	// (a worker that keeps running its old version says so); otherwise a
	// failed event of Kind and Name is emitted. It must not block: Run
	// calls it from its own loop.
	NeedFailed func(*NeedError)
	// Pool, when the graph limits it (LimitPool), is a set of nodes that
	// run fewer at once than the graph does: the clones, fetched at most
	// Jobs at a time.
	Pool string
}

// NeedError is the error of a node that did not run because a need failed.
type NeedError struct {
	Need string // the ID of the failed need
	Err  error  // its error
}

func (e *NeedError) Error() string {
	return fmt.Sprintf("not started: it needs %s, which failed", displayName(e.Need))
}

func (e *NeedError) Unwrap() error { return e.Err }

// displayName turns "infra:redis" into "redis".
func displayName(id string) string {
	if _, name, ok := strings.Cut(id, ":"); ok {
		return name
	}
	return id
}

// Graph is a set of nodes and their needs.
type Graph struct {
	nodes []*Node
	byID  map[string]*Node
	limit int            // of nodes running at once; 0 is DefaultLimit
	pools map[string]int // of a pool's nodes running at once
}

// DefaultLimit is how many nodes a graph runs at once unless told
// otherwise. A stack of forty workers and ten infra has about fifty steps
// under way at the most (one per service: its repo, setup or worker, each
// waiting for the one before; one per infra: its image or container): none
// of them waits for room, and a manifest of hundreds starts no more.
const DefaultLimit = 64

// SetLimit bounds how many nodes run at once (at least one).
func (g *Graph) SetLimit(n int) { g.limit = max(n, 1) }

// LimitPool bounds how many nodes of pool run at once (at least one),
// within the graph's own limit.
func (g *Graph) LimitPool(pool string, n int) {
	if g.pools == nil {
		g.pools = map[string]int{}
	}
	g.pools[pool] = max(n, 1)
}

// Add puts a node in the graph. A second node with the same ID is ignored,
// so that shared steps (one image for two infra) are added freely.
func (g *Graph) Add(n Node) {
	if g.byID == nil {
		g.byID = map[string]*Node{}
	}
	if _, ok := g.byID[n.ID]; ok {
		return
	}
	g.nodes = append(g.nodes, &n)
	g.byID[n.ID] = &n
}

// Has reports whether a node is in the graph.
func (g *Graph) Has(id string) bool {
	_, ok := g.byID[id]
	return ok
}

// Len is the number of nodes.
func (g *Graph) Len() int { return len(g.nodes) }

// Outcome is the outcome of every node, by ID: nil for done.
type Outcome map[string]error

// Failed lists the IDs of nodes that failed by themselves (not because a
// need failed), in the order they were added.
func (r Outcome) Failed(g *Graph) []string {
	var out []string
	for _, n := range g.nodes {
		var need *NeedError
		if err := r[n.ID]; err != nil && !errors.As(err, &need) {
			out = append(out, n.ID)
		}
	}
	return out
}

// Err joins every node's own failure; nil when everything was done.
func (r Outcome) Err(g *Graph) error {
	var errs []error
	for _, id := range r.Failed(g) {
		errs = append(errs, r[id])
	}
	return errors.Join(errs...)
}

// Run runs every node once all its needs are done, as many at once as
// are ready and the limits allow (SetLimit, LimitPool). A node whose need
// failed does not run: its result is a NeedError and a failed event is
// emitted for it. Run returns when every node is settled. Needs that name
// no node are an error of the plan.
func (g *Graph) Run(ctx context.Context, sink event.Sink) (Outcome, error) {
	for _, n := range g.nodes {
		for _, need := range n.Needs {
			if _, ok := g.byID[need]; !ok {
				return nil, fmt.Errorf("plan: %s needs %s, which is not in the plan", n.ID, need)
			}
		}
	}
	if err := g.checkAcyclic(); err != nil {
		return nil, err
	}
	return newRun(ctx, g, sink).all(), nil
}

// runNode runs n, unless ctx ended while it waited for room.
func (g *Graph) runNode(ctx context.Context, n *Node) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return n.Run(ctx)
}

// needFailed reports that n does not run because a need failed, in n's
// place (NeedFailed) or as a failed event of its own.
func (g *Graph) needFailed(n *Node, ne *NeedError, sink event.Sink) error {
	switch {
	case n.NeedFailed != nil:
		n.NeedFailed(ne)
	case n.Kind != "":
		sink.Emit(event.Event{Kind: n.Kind, Name: n.Name, Phase: event.Failed, Error: ne.Error()})
	}
	return ne
}

// checkAcyclic rejects a plan that would wait forever. The manifest is
// validated for cycles already; this guards the plan's own edges.
func (g *Graph) checkAcyclic() error {
	const (
		unseen = iota
		visiting
		finished
	)
	state := map[string]int{}
	var path []string
	var visit func(id string) error
	visit = func(id string) error {
		switch state[id] {
		case visiting:
			return fmt.Errorf("plan: dependency cycle: %s -> %s", strings.Join(path, " -> "), id)
		case finished:
			return nil
		}
		state[id] = visiting
		path = append(path, id)
		for _, need := range g.byID[id].Needs {
			if err := visit(need); err != nil {
				return err
			}
		}
		path = path[:len(path)-1]
		state[id] = finished
		return nil
	}
	for _, n := range g.nodes {
		if err := visit(n.ID); err != nil {
			return err
		}
	}
	return nil
}
