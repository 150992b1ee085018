package tui

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/crispify/crispify/internal/event"
)

// benchEvents is a boot of the test stack as the engine reports it, 10,000
// events: clone and pull progress, changes of state, setup output, then
// workers' output lines with a crash and a restart among them.
func benchEvents() []event.Event {
	const total = 10_000
	var evs []event.Event
	add := func(e event.Event) { evs = append(evs, e) }
	add(event.Event{Kind: event.Stack, Phase: event.Started})
	for step := range 60 {
		for _, n := range repoNames {
			add(event.Event{Kind: event.Repo, Name: n, Phase: event.Cloning, Progress: pct(float64(step) / 60),
				Msg: fmt.Sprintf("Receiving objects: %d%% (%d/6000)", step*100/60, step*100)})
		}
	}
	for _, n := range repoNames {
		add(event.Event{Kind: event.Repo, Name: n, Phase: event.Cloned})
	}
	for step := range 100 {
		for ref := range images {
			add(event.Event{Kind: event.Image, Name: ref, Phase: event.Pulling, Progress: pct(float64(step) / 100), Msg: "Downloading"})
		}
	}
	for ref := range images {
		add(event.Event{Kind: event.Image, Name: ref, Phase: event.Pulled})
	}
	for _, n := range infraNames {
		add(event.Event{Kind: event.Infra, Name: n, Phase: event.Creating})
		add(event.Event{Kind: event.Infra, Name: n, Phase: event.Starting})
		for range 10 {
			add(event.Event{Kind: event.Infra, Name: n, Phase: event.Waiting, Msg: "health: starting"})
		}
		add(event.Event{Kind: event.Infra, Name: n, Phase: event.Healthy, Ports: infraPorts[n]})
	}
	for _, n := range workerNames {
		add(event.Event{Kind: event.Setup, Name: n, Phase: event.Running, Msg: "npm ci"})
		for i := range 50 {
			add(event.Event{Kind: event.Setup, Name: n, Phase: event.Running, Line: fmt.Sprintf("npm http fetch GET 200 https://registry.npmjs.org/pkg-%d 12ms", i)})
		}
		add(event.Event{Kind: event.Setup, Name: n, Phase: event.Done})
		add(event.Event{Kind: event.Worker, Name: n, Phase: event.Starting, PID: 4000})
		add(event.Event{Kind: event.Worker, Name: n, Phase: event.Ready, PID: 4000, Ports: []string{"8080"}})
	}
	for i := 0; len(evs) < total; i++ {
		n := workerNames[i%len(workerNames)]
		switch {
		case i == 3000:
			add(event.Event{Kind: event.Worker, Name: n, Phase: event.Exited, ExitCode: code(1), Error: "exited with code 1"})
		case i == 3001:
			add(event.Event{Kind: event.Worker, Name: n, Phase: event.Restarting, Restarts: 1})
		case i == 3002:
			add(event.Event{Kind: event.Worker, Name: n, Phase: event.Ready, PID: 4400, Restarts: 1})
		default:
			add(event.Event{Kind: event.Worker, Name: n, Phase: event.Ready,
				Line: fmt.Sprintf(`{"level":"info","ts":%d,"msg":"handled message","queue":"orders","ms":%d}`, i, i%97)})
		}
	}
	for i := range evs {
		evs[i].TS = t0.Add(time.Duration(i) * time.Millisecond)
	}
	return evs[:total]
}

// BenchmarkUpdate10kEvents feeds the events through Update in batches of
// 50, drawing a frame after each batch as the program does, and reports
// the cost per event.
func BenchmarkUpdate10kEvents(b *testing.B) {
	const batch = 50
	evs := benchEvents()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	mallocs := ms.Mallocs
	b.ResetTimer()
	for range b.N {
		m := newModel(context.Background(), nil, nil, testOptions(), t0)
		m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
		for i := 0; i < len(evs); i += batch {
			m.Update(eventsMsg{events: evs[i:min(i+batch, len(evs))], at: evs[i].TS})
			_ = m.View()
		}
	}
	b.StopTimer()
	runtime.ReadMemStats(&ms)
	n := float64(b.N * len(evs))
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/n, "ns/event")
	b.ReportMetric(float64(ms.Mallocs-mallocs)/n, "allocs/event")
}
