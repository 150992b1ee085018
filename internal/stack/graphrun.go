package stack

import (
	"context"

	"golang.org/x/sync/errgroup"

	"github.com/crispify/crispify/internal/event"
)

// run is one Graph.Run: a node is started only once its needs are done, so
// that a limit can never be held by nodes waiting on others that have no
// room to run. One loop (all) decides; the nodes' goroutines only run and
// report their end.
type run struct {
	ctx  context.Context
	g    *Graph
	sink event.Sink

	// Read and written by the loop alone.
	result     Outcome            // the settled nodes
	begun      map[string]bool    // decided: started, or settled without running
	dependents map[string][]*Node // by need
	inPool     map[string]int     // by pool: nodes started and not settled
	waiting    map[string][]*Node // by pool: ready, waiting for room in it

	ends     chan end      // the nodes' ends; room for all, so a node never waits to say it ended
	runnable chan *Node    // ready nodes, started in that order as the limit allows
	started  chan struct{} // closed once every runnable node was started
	group    errgroup.Group
}

// end is how a node that ran ended.
type end struct {
	n   *Node
	err error
}

func newRun(ctx context.Context, g *Graph, sink event.Sink) *run {
	r := &run{
		ctx: ctx, g: g, sink: sink,
		result: make(Outcome, len(g.nodes)), begun: map[string]bool{}, dependents: map[string][]*Node{},
		inPool: map[string]int{}, waiting: map[string][]*Node{},
		ends: make(chan end, len(g.nodes)), runnable: make(chan *Node, len(g.nodes)), started: make(chan struct{}),
	}
	for _, n := range g.nodes {
		for _, need := range n.Needs {
			r.dependents[need] = append(r.dependents[need], n)
		}
	}
	limit := g.limit
	if limit == 0 {
		limit = DefaultLimit
	}
	r.group.SetLimit(limit)
	return r
}

// all runs the graph to the end and returns every node's outcome.
func (r *run) all() Outcome {
	// Go waits for room under the limit: in a goroutine of its own, so
	// that the loop goes on settling what needs no room meanwhile.
	go func() {
		defer close(r.started)
		for n := range r.runnable {
			r.group.Go(func() error {
				r.ends <- end{n, r.g.runNode(r.ctx, n)}
				return nil
			})
		}
	}()
	for _, n := range r.g.nodes {
		r.decide(n)
	}
	for len(r.result) < len(r.g.nodes) {
		e := <-r.ends
		if _, limited := r.g.pools[e.n.Pool]; limited {
			r.inPool[e.n.Pool]--
			if next := r.waiting[e.n.Pool]; len(next) > 0 {
				r.waiting[e.n.Pool] = next[1:]
				r.start(next[0])
			}
		}
		r.settle(e.n, e.err)
	}
	close(r.runnable)
	<-r.started
	r.group.Wait()
	return r.result
}

// decide starts n once its needs are done, or settles it at once when one
// failed or ctx ended: those take no room. Its needs are read in their
// order, as a node waiting on each in turn would: the first that failed is
// the one it reports, and it does not wait for those after it.
func (r *run) decide(n *Node) {
	if r.begun[n.ID] {
		return
	}
	var failed *NeedError
	for _, need := range n.Needs {
		err, settled := r.result[need]
		if !settled {
			return
		}
		if err != nil {
			failed = &NeedError{Need: need, Err: err}
			break
		}
	}
	r.begun[n.ID] = true
	switch {
	case r.ctx.Err() != nil:
		r.settle(n, r.ctx.Err())
	case failed != nil:
		r.settle(n, r.g.needFailed(n, failed, r.sink))
	default:
		r.start(n)
	}
}

// start hands n to the goroutine that starts nodes, once its pool has room.
func (r *run) start(n *Node) {
	if limit, limited := r.g.pools[n.Pool]; limited {
		if r.inPool[n.Pool] >= limit {
			r.waiting[n.Pool] = append(r.waiting[n.Pool], n)
			return
		}
		r.inPool[n.Pool]++
	}
	r.runnable <- n
}

// settle records n's outcome and decides what waited on it.
func (r *run) settle(n *Node, err error) {
	r.result[n.ID] = err
	for _, d := range r.dependents[n.ID] {
		r.decide(d)
	}
}
