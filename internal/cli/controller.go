package cli

import (
	"context"
	"fmt"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/stack"
)

// controller carries the terminal UI's keys to the engine: r and s to a
// container or a worker, enter to a container's log, q to the command.
type controller struct {
	// quit stops the command: cancel its context, or stop the workers.
	quit func(ctx context.Context) error
	// items restarts and stops workers and containers: the supervisor in
	// this process, or the stack (through the one that runs it); nil when
	// the command acts on nothing.
	items itemControl
	logs  *stack.Stack // nil when the command shows no container logs
}

// itemControl is what the controller needs of whatever runs the stack.
type itemControl interface {
	Restart(ctx context.Context, kind event.Kind, names ...string) error
	Stop(ctx context.Context, kind event.Kind, names ...string) error
	Watch(ctx context.Context, on bool, names ...string) error
}

// stackItems acts on a stack through whatever runs it: its supervisor when
// one runs, else the containers directly.
type stackItems struct{ st *stack.Stack }

func (s stackItems) Restart(ctx context.Context, _ event.Kind, names ...string) error {
	return s.st.Restart(ctx, names)
}

func (s stackItems) Stop(ctx context.Context, _ event.Kind, names ...string) error {
	return s.st.Stop(ctx, names)
}

func (s stackItems) Watch(ctx context.Context, on bool, names ...string) error {
	return s.st.Watch(ctx, on, names)
}

func (c *controller) Restart(ctx context.Context, kind event.Kind, name string) error {
	if c.items == nil {
		return fmt.Errorf("restart %s %s: not possible from this command", kind, name)
	}
	return c.items.Restart(ctx, kind, name)
}

func (c *controller) Stop(ctx context.Context, kind event.Kind, name string) error {
	if c.items == nil {
		return fmt.Errorf("stop %s %s: not possible from this command", kind, name)
	}
	return c.items.Stop(ctx, kind, name)
}

func (c *controller) Watch(ctx context.Context, name string, on bool) error {
	if c.items == nil {
		return fmt.Errorf("watch %s: not possible from this board: run crispify --watch %s, or press w on the board of crispify", name, name)
	}
	return c.items.Watch(ctx, on, name)
}

func (c *controller) Logs(ctx context.Context, kind event.Kind, name string, tail int, line func(string)) error {
	if c.logs == nil {
		return fmt.Errorf("logs of %s %s: not available on this board: run crispify logs %s", kind, name, name)
	}
	return c.logs.ItemLogs(ctx, kind, name, tail, line)
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
