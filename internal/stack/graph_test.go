package stack

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crispify/crispify/internal/event"
)

type events struct {
	mu  sync.Mutex
	all []event.Event
}

func (e *events) Emit(ev event.Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.all = append(e.all, ev)
}

// trace records the order nodes start and end in.
type trace struct {
	mu    sync.Mutex
	steps []string
}

func (t *trace) add(s string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.steps = append(t.steps, s)
}

func (t *trace) index(s string) int { return slices.Index(t.steps, s) }

func step(tr *trace, id string, d time.Duration, err error) func(context.Context) error {
	return func(ctx context.Context) error {
		tr.add("start " + id)
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return ctx.Err()
		}
		tr.add("end " + id)
		return err
	}
}

func TestNodesStartWhenTheirNeedsAreDoneNotBefore(t *testing.T) {
	tr := &trace{}
	var g Graph
	g.Add(Node{ID: "repo:api", Run: step(tr, "repo:api", 50*time.Millisecond, nil)})
	g.Add(Node{ID: "repo:web", Run: step(tr, "repo:web", 300*time.Millisecond, nil)})
	g.Add(Node{ID: "infra:redis", Run: step(tr, "infra:redis", 20*time.Millisecond, nil)})
	g.Add(Node{ID: "worker:api", Needs: []string{"repo:api", "infra:redis"}, Run: step(tr, "worker:api", 0, nil)})
	g.Add(Node{ID: "worker:web", Needs: []string{"repo:web"}, Run: step(tr, "worker:web", 0, nil)})
	res, err := g.Run(context.Background(), event.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if err := res.Err(&g); err != nil {
		t.Fatal(err)
	}
	if tr.index("start worker:api") < tr.index("end repo:api") || tr.index("start worker:api") < tr.index("end infra:redis") {
		t.Errorf("worker:api started before its needs: %q", tr.steps)
	}
	// The point of the graph: api's worker does not wait for web's repo.
	if tr.index("start worker:api") > tr.index("end repo:web") {
		t.Errorf("worker:api waited for an unrelated repo: %q", tr.steps)
	}
}

func TestAFailureFailsOnlyWhatDependsOnIt(t *testing.T) {
	tr := &trace{}
	ev := &events{}
	boom := errors.New("clone api: repository not found")
	var g Graph
	g.Add(Node{ID: "repo:api", Kind: event.Repo, Name: "api", Run: step(tr, "repo:api", 0, boom)})
	g.Add(Node{ID: "setup:api", Kind: event.Setup, Name: "api", Needs: []string{"repo:api"}, Run: step(tr, "setup:api", 0, nil)})
	g.Add(Node{ID: "worker:api", Kind: event.Worker, Name: "api", Needs: []string{"setup:api"}, Run: step(tr, "worker:api", 0, nil)})
	g.Add(Node{ID: "repo:web", Kind: event.Repo, Name: "web", Run: step(tr, "repo:web", 10*time.Millisecond, nil)})
	res, err := g.Run(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	if res["repo:web"] != nil {
		t.Errorf("repo:web: %v", res["repo:web"])
	}
	if !errors.Is(res["worker:api"], boom) {
		t.Errorf("worker:api result %v: want it to wrap the clone failure", res["worker:api"])
	}
	var ne *NeedError
	if !errors.As(res["worker:api"], &ne) || ne.Need != "setup:api" {
		t.Errorf("worker:api: %v, want a NeedError naming setup:api", res["worker:api"])
	}
	if tr.index("start setup:api") >= 0 || tr.index("start worker:api") >= 0 {
		t.Errorf("dependents of a failure ran: %q", tr.steps)
	}
	if got := res.Failed(&g); !slices.Equal(got, []string{"repo:api"}) {
		t.Errorf("Failed() = %q, want only the root cause", got)
	}
	var msgs []string
	for _, e := range ev.all {
		msgs = append(msgs, string(e.Kind)+" "+e.Name+": "+e.Error)
	}
	for _, want := range []string{"setup api: not started: it needs api, which failed", "worker api: not started: it needs api, which failed"} {
		if !slices.Contains(msgs, want) {
			t.Errorf("events lack %q: %q", want, msgs)
		}
	}
}

func TestCancelStopsWaitingNodes(t *testing.T) {
	tr := &trace{}
	var g Graph
	g.Add(Node{ID: "slow", Run: step(tr, "slow", time.Hour, nil)})
	g.Add(Node{ID: "after", Needs: []string{"slow"}, Run: step(tr, "after", 0, nil)})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	res, _ := g.Run(ctx, event.Discard)
	if time.Since(start) > 5*time.Second {
		t.Fatal("Run did not return after cancel")
	}
	if !errors.Is(res["slow"], context.DeadlineExceeded) || res["after"] == nil {
		t.Errorf("results %v", res)
	}
}

func TestPlanErrors(t *testing.T) {
	var g Graph
	g.Add(Node{ID: "a", Needs: []string{"missing"}, Run: func(context.Context) error { return nil }})
	if _, err := g.Run(context.Background(), event.Discard); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("unknown need: %v", err)
	}
	var c Graph
	c.Add(Node{ID: "a", Needs: []string{"b"}, Run: func(context.Context) error { return nil }})
	c.Add(Node{ID: "b", Needs: []string{"a"}, Run: func(context.Context) error { return nil }})
	if _, err := c.Run(context.Background(), event.Discard); err == nil || !strings.Contains(err.Error(), "a -> b -> a") {
		t.Errorf("cycle: %v", err)
	}
}

func TestAddIgnoresDuplicates(t *testing.T) {
	var g Graph
	runs := 0
	for range 3 {
		g.Add(Node{ID: "image:redis", Run: func(context.Context) error { runs++; return nil }})
	}
	if _, err := g.Run(context.Background(), event.Discard); err != nil || runs != 1 || g.Len() != 1 {
		t.Errorf("runs %d, len %d, err %v", runs, g.Len(), err)
	}
}

// last is the last state event of an item.
func (e *events) last(kind event.Kind, name string) event.Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i := len(e.all) - 1; i >= 0; i-- {
		if ev := e.all[i]; ev.Kind == kind && ev.Name == name && !ev.IsOutput() {
			return ev
		}
	}
	return event.Event{}
}
