package stack

import (
	"testing"
	"time"

	"github.com/crispify/crispify/internal/docker"
	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/load"
)

// A worker over its CPU threshold for three samples is told sick through
// the workers' state; a container over its memory one is shown sick by its
// row's event, shown again after a health check's event hid it, and given
// back healthy after three good samples; the sampler's end lets go of all.
func TestVerdicts(t *testing.T) {
	told := map[string]string{}
	rows := map[item]event.Event{{event.Infra, "redis"}: {Kind: event.Infra, Name: "redis", Phase: event.Healthy, Msg: "up"}}
	var emitted []event.Event
	v := &verdicts{
		limits: func(kind event.Kind, name string) load.Limits { return load.Limits{CPU: 90, Memory: 100} },
		worker: func(name, reason string) { told[name] = reason },
		last:   func(kind event.Kind, name string) (event.Event, bool) { e, ok := rows[item{kind, name}]; return e, ok },
		sink: event.SinkFunc(func(e event.Event) {
			emitted = append(emitted, e)
			rows[item{e.Kind, e.Name}] = e
		}),
	}
	at := time.Date(2026, 12, 7, 18, 0, 0, 0, time.UTC)
	tick := func(apiCPU float64, redisMem uint64) {
		at = at.Add(2 * time.Second)
		v.judge(at, map[string]load.Figures{"api": {CPU: apiCPU, HasCPU: true}},
			map[string]docker.Stats{"redis": {Memory: redisMem, HasCPU: true}})
	}
	v.judge(at, map[string]load.Figures{"api": {}}, nil) // the first read
	tick(97, 500)
	tick(97, 500)
	if len(told) != 0 || len(emitted) != 0 {
		t.Fatalf("sick after two samples: %v %v", told, emitted)
	}
	tick(97, 500)
	if told["api"] != "CPU 97% for 6s" {
		t.Errorf("api told %q", told["api"])
	}
	redis := rows[item{event.Infra, "redis"}]
	if redis.Phase != event.Sick || redis.Msg != "sick: memory 0 MiB over 0 MiB for 4s" {
		t.Errorf("redis row: %+v", redis)
	}
	// The keeper's health check says healthy: the next tick says sick again.
	rows[item{event.Infra, "redis"}] = event.Event{Kind: event.Infra, Name: "redis", Phase: event.Healthy, Msg: "health check passed"}
	tick(97, 500)
	if r := rows[item{event.Infra, "redis"}]; r.Phase != event.Sick {
		t.Errorf("redis row after a health check: %+v", r)
	}
	n := len(emitted)
	tick(97, 500)
	if len(emitted) != n {
		t.Errorf("a sick row shown again with nothing new: %v", emitted[n:])
	}
	tick(97, 10)
	tick(97, 10)
	tick(97, 10)
	if r := rows[item{event.Infra, "redis"}]; r.Phase != event.Healthy || r.Msg != "health check passed" {
		t.Errorf("redis row after three good samples: %+v", r)
	}
	v.end()
	if reason, ok := told["api"]; !ok || reason != "" {
		t.Errorf("api still sick after the sampler ended: %q", reason)
	}
}

// A worker whose probe answers slower than its sick.slow three times in a
// row turns sick, saying so.
func TestVerdictsSlowProbe(t *testing.T) {
	told := map[string]string{}
	v := &verdicts{
		limits: func(kind event.Kind, name string) load.Limits { return load.Limits{Slow: time.Second} },
		worker: func(name, reason string) { told[name] = reason },
		last:   func(event.Kind, string) (event.Event, bool) { return event.Event{}, false },
		sink:   event.Discard,
	}
	at := time.Date(2026, 12, 7, 18, 0, 0, 0, time.UTC)
	v.judge(at, map[string]load.Figures{"api": {}}, nil)
	for range 3 {
		at = at.Add(2 * time.Second)
		v.judge(at, map[string]load.Figures{"api": {Probe: 2 * time.Second}}, nil)
	}
	if told["api"] != "probe answers in 2s, over 1s for 6s" {
		t.Errorf("api told %q", told["api"])
	}
}
