package stack

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/repos"
	"github.com/crispify/crispify/internal/workers"
)

// gauge counts the nodes running at once, and the most it saw.
type gauge struct {
	mu        sync.Mutex
	now, peak int
}

func (g *gauge) enter() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.now++
	g.peak = max(g.peak, g.now)
}

func (g *gauge) leave() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.now--
}

func (g *gauge) most() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.peak
}

// busy is a node's run that counts itself on each gauge for d.
func busy(d time.Duration, gauges ...*gauge) func(context.Context) error {
	return func(ctx context.Context) error {
		for _, g := range gauges {
			g.enter()
		}
		defer func() {
			for _, g := range gauges {
				g.leave()
			}
		}()
		select {
		case <-time.After(d):
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// runWithin runs g and fails the test when it takes longer than d: a
// graph that waits for ever.
func runWithin(t *testing.T, g *Graph, d time.Duration) Outcome {
	t.Helper()
	type ran struct {
		res Outcome
		err error
	}
	done := make(chan ran, 1)
	go func() {
		res, err := g.Run(context.Background(), event.Discard)
		done <- ran{res, err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			t.Fatal(r.err)
		}
		if err := r.res.Err(g); err != nil {
			t.Fatal(err)
		}
		return r.res
	case <-time.After(d):
		t.Fatalf("the graph did not end within %v: deadlocked", d)
		return nil
	}
}

func TestALimitHolds(t *testing.T) {
	for _, limit := range []int{1, 3, 5} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			all := &gauge{}
			var g Graph
			g.SetLimit(limit)
			for i := range 12 {
				g.Add(Node{ID: fmt.Sprint("n", i), Run: busy(50*time.Millisecond, all)})
			}
			runWithin(t, &g, 10*time.Second)
			if all.most() != limit {
				t.Errorf("%d nodes ran at once, want the limit, %d", all.most(), limit)
			}
		})
	}
}

// A pool's limit holds within the graph's, and a node waiting for room in
// its pool takes none of the graph's: the others run meanwhile.
func TestAPoolLimitHoldsAndItsWaitingNodesTakeNoRoom(t *testing.T) {
	all, clones, others := &gauge{}, &gauge{}, &gauge{}
	var g Graph
	g.SetLimit(4)
	g.LimitPool(clonePool, 2)
	for i := range 6 {
		g.Add(Node{ID: fmt.Sprint("repo:", i), Pool: clonePool, Run: busy(100*time.Millisecond, all, clones)})
		g.Add(Node{ID: fmt.Sprint("image:", i), Run: busy(100*time.Millisecond, all, others)})
	}
	runWithin(t, &g, 10*time.Second)
	if clones.most() != 2 {
		t.Errorf("%d clones at once, want the pool's limit, 2", clones.most())
	}
	if all.most() > 4 {
		t.Errorf("%d nodes at once, over the graph's limit of 4", all.most())
	}
	if others.most() < 2 {
		t.Errorf("at most %d other nodes ran beside the clones: the clones waiting for room took the graph's", others.most())
	}
}

// Nodes waiting on their needs hold no room: a limit far below the nodes
// that wait never stops the graph, whatever order they were added in.
func TestALimitNeverDeadlocksOnWaitingNodes(t *testing.T) {
	for _, limit := range []int{1, 2, 8} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			all := &gauge{}
			var g Graph
			g.SetLimit(limit)
			// The dependents first: a graph that started nodes in the order
			// they were added, each waiting on its needs, would fill the limit
			// with waiters.
			for i := range 30 {
				g.Add(Node{ID: fmt.Sprint("worker:", i), Needs: []string{fmt.Sprint("setup:", i), "infra"}, Run: busy(time.Millisecond, all)})
			}
			for i := range 30 {
				g.Add(Node{ID: fmt.Sprint("setup:", i), Needs: []string{"infra"}, Run: busy(time.Millisecond, all)})
			}
			g.Add(Node{ID: "infra", Needs: []string{"link:9"}, Run: busy(20*time.Millisecond, all)})
			for i := 9; i >= 0; i-- { // a chain, last link first
				var needs []string
				if i > 0 {
					needs = []string{fmt.Sprint("link:", i-1)}
				}
				g.Add(Node{ID: fmt.Sprint("link:", i), Needs: needs, Run: busy(time.Millisecond, all)})
			}
			res := runWithin(t, &g, 20*time.Second)
			if len(res) != g.Len() {
				t.Errorf("%d of %d nodes settled", len(res), g.Len())
			}
			if all.most() > limit {
				t.Errorf("%d nodes at once, over the limit of %d", all.most(), limit)
			}
		})
	}
}

// The default limit leaves room for a boot of forty workers to have them
// all starting at once: each worker here waits until all forty are, as
// workers waiting to be ready do.
func TestTheDefaultLimitLetsFortyWorkersStartAtOnce(t *testing.T) {
	const workers, infra = 40, 10
	var g Graph
	g.LimitPool(clonePool, 8)
	g.Add(Node{ID: networkID, Run: busy(time.Millisecond)})
	for i := range infra {
		g.Add(Node{ID: fmt.Sprint("image:", i), Run: busy(5 * time.Millisecond)})
		g.Add(Node{ID: InfraID(fmt.Sprint(i)), Needs: []string{networkID, fmt.Sprint("image:", i)}, Run: busy(10 * time.Millisecond)})
	}
	var starting atomic.Int32
	all := make(chan struct{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i := range workers {
		name := fmt.Sprint("svc", i)
		g.Add(Node{ID: repoID(name), Pool: clonePool, Run: busy(time.Millisecond)})
		g.Add(Node{ID: setupID(name), Needs: []string{repoID(name)}, Run: busy(time.Millisecond)})
		g.Add(Node{ID: workerID(name), Needs: []string{setupID(name), InfraID(fmt.Sprint(i % infra))}, Run: func(context.Context) error {
			if starting.Add(1) == workers {
				close(all)
			}
			select {
			case <-all:
				return nil
			case <-ctx.Done():
				return fmt.Errorf("only %d of %d workers were starting at once", starting.Load(), workers)
			}
		}})
	}
	runWithin(t, &g, 20*time.Second)
}

// A node whose need failed says so at once, without waiting for its other
// needs still under way, as it did when each node waited on its needs in
// turn.
func TestANeedThatFailedIsReportedWithoutWaitingForTheOthers(t *testing.T) {
	tr := &trace{}
	boom := errors.New("pull redis: manifest unknown")
	var g Graph
	g.Add(Node{ID: "infra:redis", Run: step(tr, "infra:redis", 0, boom)})
	g.Add(Node{ID: "setup:api", Run: step(tr, "setup:api", 200*time.Millisecond, nil)})
	g.Add(Node{ID: "worker:api", Needs: []string{"infra:redis", "setup:api"}, Run: step(tr, "worker:api", 0, nil),
		NeedFailed: func(ne *NeedError) { tr.add("not started worker:api: " + ne.Need) }})
	res, err := g.Run(context.Background(), event.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var ne *NeedError
	if !errors.As(res["worker:api"], &ne) || ne.Need != "infra:redis" {
		t.Fatalf("worker:api: %v, want a NeedError naming infra:redis", res["worker:api"])
	}
	if said := tr.index("not started worker:api: infra:redis"); said < 0 || said > tr.index("end setup:api") {
		t.Errorf("the failure was said after the other need ended: %q", tr.steps)
	}
}

// An apply clones and fetches at most Jobs repos at once (the graph's
// clone pool), however many are ready.
func TestAnApplySyncsAtMostJobsReposAtOnce(t *testing.T) {
	text := "version: 1\nproject: jobs\nservices:\n"
	for i := range 6 {
		text += fmt.Sprintf("  svc%d:\n    repo: file:///remotes/svc%d.git\n", i, i)
	}
	rs := &fakeRepos{heads: map[string]string{}, failed: map[string]bool{}, setups: map[string]workers.SetupRun{}}
	a, _ := newTestApply(t, t.TempDir(), text, nil, newFakeRunner(), rs, newRecords())
	a.repoOpts.Jobs = 2
	syncs := &gauge{}
	inner := a.sync
	a.sync = func(ctx context.Context, s repos.Spec, o repos.Options, sink event.Sink) repos.Result {
		syncs.enter()
		defer syncs.leave()
		time.Sleep(50 * time.Millisecond)
		return inner(ctx, s, o, sink)
	}
	if err := runApply(t, a); err != nil {
		t.Fatal(err)
	}
	if syncs.most() != 2 {
		t.Errorf("%d repos synced at once, want Jobs, 2", syncs.most())
	}
}
