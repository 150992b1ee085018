// Command idleboard shows the live board of a booted stack, then nothing
// happens: what idlecpu.sh measures. It is a test fixture, not a product.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/ui/tui"
)

// quitter ends the stream when the user quits, as the engine would once
// its workers stopped.
type quitter struct{ q *event.Queue }

func (quitter) Restart(context.Context, event.Kind, string) error { return nil }
func (quitter) Stop(context.Context, event.Kind, string) error    { return nil }
func (quitter) Logs(context.Context, event.Kind, string, int, func(string)) error {
	return nil
}
func (c quitter) Quit(context.Context) error { c.q.Close(); return nil }

func main() {
	var repos, workers []string
	for i := range 40 {
		repos = append(repos, fmt.Sprintf("service-%02d", i))
	}
	workers = repos[:10]
	infra := []string{"rabbitmq", "mongodb", "mysql", "redis", "ssdb", "elasticsearch"}

	q := event.NewQueue()
	q.Emit(event.Event{Kind: event.Stack, Phase: event.Started})
	for i, n := range repos {
		// Every repo with its git state, a few with work or elsewhere, as
		// the stack reports them after the boot.
		g := event.Git{Branch: "master", Want: "master", Upstream: "origin/master", Dirty: i % 7 / 6, Ahead: i % 11 / 10}
		if i == 3 {
			g.Branch = "feature/x"
		}
		q.Emit(event.Event{Kind: event.Repo, Name: n, Phase: event.Cloned, Git: &g})
	}
	for i, n := range infra {
		q.Emit(event.Event{Kind: event.Infra, Name: n, Phase: event.Healthy, Ports: []string{fmt.Sprintf("127.0.0.1:%d->%d/tcp", 5000+i, 5000+i)}})
	}
	for i, n := range workers {
		q.Emit(event.Event{Kind: event.Worker, Name: n, Phase: event.Ready, PID: os.Getpid() + i, Ports: []string{fmt.Sprint(8080 + i)}})
	}
	q.Emit(event.Event{Kind: event.Stack, Phase: event.Done, Counts: map[event.Phase]int{event.Cloned: 40, event.Healthy: 6, event.Ready: 10}})

	err := tui.Run(context.Background(), q, quitter{q}, tui.Options{
		Title: "idle", Endpoint: "unix:///var/run/docker.sock", Board: true,
		Repos: repos, Infra: infra, Workers: workers,
	})
	if err != nil && !errors.Is(err, tui.ErrForced) {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
