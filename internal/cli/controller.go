package cli

import (
	"context"
	"fmt"

	"github.com/crispify/crispify/internal/docker"
	"github.com/crispify/crispify/internal/event"
)

// controller carries the terminal UI's keys to the engine: r and s to a
// container or a worker, enter to a container's log, q to the command.
type controller struct {
	// quit stops the command: cancel its context, or stop the workers.
	quit    func(ctx context.Context) error
	project *docker.Project // nil when the command has no infra
	// workers acts on workers; nil when the command runs none.
	workers workerControl
}

// workerControl is what the controller needs of whatever runs workers: the
// supervisor in this process, or the detached one through its socket.
type workerControl interface {
	Restart(ctx context.Context, name string) error
	Stop(ctx context.Context, name string) error
}

func (c *controller) Restart(ctx context.Context, kind event.Kind, name string) error {
	switch {
	case kind == event.Infra && c.project != nil:
		return c.project.Restart(ctx, name)
	case kind == event.Worker && c.workers != nil:
		return c.workers.Restart(ctx, name)
	}
	return fmt.Errorf("restart %s %s: not possible from this command", kind, name)
}

func (c *controller) Stop(ctx context.Context, kind event.Kind, name string) error {
	switch {
	case kind == event.Infra && c.project != nil:
		return c.project.Stop(ctx, name)
	case kind == event.Worker && c.workers != nil:
		return c.workers.Stop(ctx, name)
	}
	return fmt.Errorf("stop %s %s: not possible from this command", kind, name)
}

func (c *controller) Logs(ctx context.Context, kind event.Kind, name string, tail int, line func(string)) error {
	if kind != event.Infra || c.project == nil {
		return fmt.Errorf("logs of %s %s: not available here", kind, name)
	}
	return c.project.Logs(ctx, []string{name}, fmt.Sprint(tail), true, func(l docker.Line) { line(l.Text) })
}

func (c *controller) Quit(ctx context.Context) error {
	if c.quit == nil {
		return nil
	}
	return c.quit(ctx)
}

// cancelOnQuit is the quit of a command without workers: stop its work.
func cancelOnQuit(cancel context.CancelFunc) func(context.Context) error {
	return func(context.Context) error {
		cancel()
		return nil
	}
}
