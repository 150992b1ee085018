package stack

import (
	"context"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/crispify/crispify/internal/docker"
	"github.com/crispify/crispify/internal/docker/dockerfake"
	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/load"
	"github.com/crispify/crispify/internal/manifest"
)

type loadEvents struct {
	mu  sync.Mutex
	got []event.Event
}

func (r *loadEvents) Emit(e event.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, e)
}

func (r *loadEvents) list() []event.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]event.Event(nil), r.got...)
}

// The sampler runs only while someone looks, and then sends the figures of
// every worker and container, and the machine's, each with cpu and memory.
func TestLoadWatchSamplesOnlyWhileLooked(t *testing.T) {
	if !load.Supported() {
		t.Skip("no figures on this system")
	}
	engine := dockerfake.New()
	engine.AddImage("redis:7", dockerfake.Image{})
	id, _ := engine.ContainerCreate(context.Background(), docker.ContainerSpec{Name: "crisp-redis", Image: "redis:7",
		Labels: map[string]string{docker.LabelProject: "crisp", docker.LabelInfra: "redis"}})
	engine.ContainerStart(context.Background(), id)
	engine.AddStats("crisp-redis", docker.Stats{CPU: 7, HasCPU: true, Memory: 5 << 20})

	rec := &loadEvents{}
	l := sampled(&loadWatch{
		groups:  func() load.Groups { return load.Groups{"self": {syscall.Getpgrp()}} },
		engine:  func() docker.Engine { return engine },
		project: func() string { return "crisp" },
		sink:    rec, every: 50 * time.Millisecond,
	})
	time.Sleep(100 * time.Millisecond)
	if n := len(rec.list()); n != 0 {
		t.Fatalf("%d events with nobody looking", n)
	}
	done := l.look()
	second := l.look()
	seen := map[string]event.Event{}
	deadline := time.Now().Add(5 * time.Second)
	for len(seen) < 3 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		for _, e := range rec.list() {
			if e.Kind != event.Load || e.CPU == nil || e.Memory == nil {
				t.Fatalf("not a load event with its figures: %+v", e)
			}
			seen[string(e.Item)+"/"+e.Name] = e
		}
	}
	if e := seen["worker/self"]; *e.Memory == 0 {
		t.Errorf("the test's own group has no memory: %+v", e)
	}
	if e := seen["infra/redis"]; e.CPU == nil || *e.CPU != 7 || *e.Memory != 5<<20 {
		t.Errorf("redis: %+v", e)
	}
	if e := seen["machine/"]; e.Free == nil || *e.Memory < 5<<20 {
		t.Errorf("machine: %+v", e)
	}
	done()
	done() // twice is once
	if l.lookers != 1 {
		t.Fatalf("lookers = %d after one of two left", l.lookers)
	}
	second()
	l.mu.Lock()
	finished := l.done
	l.mu.Unlock()
	<-finished
	n := len(rec.list())
	time.Sleep(150 * time.Millisecond)
	if m := len(rec.list()); m != n {
		t.Errorf("%d events after the last looker left", m-n)
	}
}

// A status puts figures on the rows of what runs, and none elsewhere.
func TestStatusRowsCarryLoad(t *testing.T) {
	engine := dockerfake.New()
	engine.AddImage("redis:7", dockerfake.Image{})
	id, _ := engine.ContainerCreate(context.Background(), docker.ContainerSpec{Name: "crisp-redis", Image: "redis:7",
		Labels: map[string]string{docker.LabelProject: "crisp", docker.LabelInfra: "redis"}})
	engine.ContainerStart(context.Background(), id)
	engine.AddStats("crisp-redis", docker.Stats{Memory: 5 << 20})

	st := &Stack{Manifest: &manifest.Manifest{Project: "crisp"}}
	rows := []Row{
		{Kind: "repo", Name: "api"},
		{Kind: "infra", Name: "redis"},
		{Kind: "worker", Name: "api", pgids: []int{syscall.Getpgrp()}},
		{Kind: "worker", Name: "mailer"},
	}
	st.withLoad(context.Background(), rows, engine)
	if rows[0].CPU != nil || rows[3].CPU != nil || rows[3].Memory != nil {
		t.Errorf("figures on a repo or a stopped worker: %+v %+v", rows[0], rows[3])
	}
	if rows[1].Memory == nil || *rows[1].Memory != 5<<20 || rows[1].CPU == nil {
		t.Errorf("redis: %+v", rows[1])
	}
	if load.Supported() && (rows[2].Memory == nil || *rows[2].Memory == 0 || rows[2].CPU == nil) {
		t.Errorf("the worker of the test's own group: %+v", rows[2])
	}
}

// A look that ends after close stopped the sampler leaves the count right:
// the next look starts it again.
func TestLoadWatchLookAfterClose(t *testing.T) {
	rec := &loadEvents{}
	l := sampled(&loadWatch{
		groups: func() load.Groups { return load.Groups{} }, engine: func() docker.Engine { return nil },
		project: func() string { return "crisp" }, sink: rec, every: 20 * time.Millisecond,
	})
	done := l.look()
	l.close()
	done()
	again := l.look()
	defer again()
	if l.lookers != 1 {
		t.Fatalf("lookers = %d, want 1", l.lookers)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(rec.list()) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if len(rec.list()) == 0 {
		t.Fatal("the sampler did not start again")
	}
	l.close()
}
