package stack

import (
	"context"
	"fmt"
	"sync"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/workers"
)

// Session is one running stack: it boots the plan, keeps the workers under
// supervision, serves the daemon socket's clients (status, logs, the board,
// decrispify) and shuts the workers down in reverse dependency order.
type Session struct {
	Plan *Plan
	Hub  *event.Hub

	tally    *event.Tally
	stopOnce sync.Once
	stopped  chan struct{}
	stopErr  error
}

// NewSession returns a session of plan. tally must be the sink every part
// of the plan reports to (its docker project and supervisor too), passing
// events on to hub: the boot's counts and summary are made from it.
func NewSession(plan *Plan, hub *event.Hub, tally *event.Tally) *Session {
	return &Session{Plan: plan, Hub: hub, tally: tally, stopped: make(chan struct{})}
}

// Settled is the last settled event of every item of the given kinds: the
// summary of the boot.
func (s *Session) Settled(kinds ...event.Kind) []event.Event { return s.tally.Settled(kinds...) }

// Boot runs the plan: every node as soon as its needs are done. It ends the
// boot with the stack event and returns every node's own failure, joined.
func (s *Session) Boot(ctx context.Context) error {
	tally := s.tally
	tally.Emit(event.Event{Kind: event.Stack, Phase: event.Started, Msg: s.summary()})
	g := s.Plan.Graph(tally)
	result, err := g.Run(ctx, tally)
	if s.Plan.Project != nil {
		s.Plan.Project.Unlock()
	}
	if err == nil {
		err = result.Err(g)
	}
	end := event.Event{Kind: event.Stack, Phase: event.Done, Counts: tally.Counts()}
	if err != nil {
		end.Phase, end.Error = event.Failed, err.Error()
	}
	if ctx.Err() != nil {
		end.Phase, end.Error = event.Failed, "interrupted"
	}
	tally.Emit(end)
	return err
}

func (s *Session) summary() string {
	workersN := 0
	for _, name := range s.Plan.Services {
		if s.Plan.Manifest.Services[name].Run != "" {
			workersN++
		}
	}
	return fmt.Sprintf("%d repos, %d infra, %d workers of project %s", len(s.Plan.Services), len(s.Plan.Infra), workersN, s.Plan.Manifest.Project)
}

// Shutdown stops every worker, those that need others first, and ends the
// supervisor. Infra is left running. It is done once; later calls wait for
// the first and return its result.
func (s *Session) Shutdown(ctx context.Context) error {
	s.stopOnce.Do(func() {
		if sup := s.Plan.Supervisor; sup != nil {
			s.stopErr = sup.StopAll(ctx, s.Plan.StopOrder())
			if err := sup.Close(ctx); err != nil && s.stopErr == nil {
				s.stopErr = err
			}
		}
		close(s.stopped)
	})
	<-s.stopped
	return s.stopErr
}

// Stopped is closed once the workers are stopped.
func (s *Session) Stopped() <-chan struct{} { return s.stopped }

// Events replays the state of every item to a daemon client, then streams.
func (s *Session) Events(ctx context.Context, send func(event.Event) error) error {
	q := s.Hub.Subscribe(ctx)
	for {
		batch, ok := q.Next(ctx)
		if !ok {
			return ctx.Err()
		}
		for _, e := range batch {
			if err := send(e); err != nil {
				return err
			}
		}
	}
}

// Status is the supervisor's view of every worker.
func (s *Session) Status() []workers.Status {
	if s.Plan.Supervisor == nil {
		return nil
	}
	return s.Plan.Supervisor.Status()
}

// Stop is decrispify's request through the socket: stop every worker.
func (s *Session) Stop(ctx context.Context) error { return s.Shutdown(ctx) }

// Restart restarts one worker by hand.
func (s *Session) Restart(ctx context.Context, name string) error {
	if s.Plan.Supervisor == nil {
		return fmt.Errorf("restart %s: no workers run in this session", name)
	}
	return s.Plan.Supervisor.Restart(ctx, name)
}

// StopWorker stops one worker by hand; the rest of the stack goes on.
func (s *Session) StopWorker(ctx context.Context, name string) error {
	if s.Plan.Supervisor == nil {
		return fmt.Errorf("stop %s: no workers run in this session", name)
	}
	return s.Plan.Supervisor.Stop(ctx, name)
}

var _ workers.Handler = (*Session)(nil)
