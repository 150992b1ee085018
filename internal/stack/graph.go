package stack

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

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
	// failed event of Kind and Name is emitted.
	NeedFailed func(*NeedError)
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

// Run runs every node once all its needs are done, as many at once as are
// ready. A node whose need failed does not run: its result is a NeedError
// and a failed event is emitted for it. Run returns when every node is
// settled. Needs that name no node are an error of the plan.
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
	done := make(map[string]chan struct{}, len(g.nodes))
	for _, n := range g.nodes {
		done[n.ID] = make(chan struct{})
	}
	var mu sync.Mutex
	result := make(Outcome, len(g.nodes))
	var wg sync.WaitGroup
	for _, n := range g.nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(done[n.ID])
			err := g.runNode(ctx, n, done, &mu, result, sink)
			mu.Lock()
			result[n.ID] = err
			mu.Unlock()
		}()
	}
	wg.Wait()
	return result, nil
}

func (g *Graph) runNode(ctx context.Context, n *Node, done map[string]chan struct{}, mu *sync.Mutex, result Outcome, sink event.Sink) error {
	for _, need := range n.Needs {
		select {
		case <-done[need]:
		case <-ctx.Done():
			return ctx.Err()
		}
		mu.Lock()
		err := result[need]
		mu.Unlock()
		if err != nil {
			ne := &NeedError{Need: need, Err: err}
			switch {
			case ctx.Err() != nil:
			case n.NeedFailed != nil:
				n.NeedFailed(ne)
			case n.Kind != "":
				sink.Emit(event.Event{Kind: n.Kind, Name: n.Name, Phase: event.Failed, Error: ne.Error()})
			}
			return ne
		}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return n.Run(ctx)
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
