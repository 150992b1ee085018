package cli

import (
	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/ui"
)

// stream connects the engine to a renderer: the engine emits into a queue
// and never waits; one goroutine renders at its own pace.
type stream struct {
	queue    *event.Queue
	done     chan struct{}
	renderer ui.Renderer
	mode     string
}

// startStream picks the renderer of the output mode and starts rendering.
// The TUI is its own issue; until it lands, tui renders plain lines.
func (g *GlobalOptions) startStream(io *IOStreams) (*stream, error) {
	mode, err := io.OutputMode(g.Output)
	if err != nil {
		return nil, err
	}
	var r ui.Renderer
	switch mode {
	case OutputJSON:
		r = ui.NewJSON(io.Out)
	default:
		r = ui.NewPlain(io.ErrOut, io.Colour(g.NoColour, io.ErrTTY))
	}
	s := &stream{queue: event.NewQueue(), done: make(chan struct{}), renderer: r, mode: mode}
	go func() {
		defer close(s.done)
		s.queue.Drain(r.Render)
	}()
	return s, nil
}

// Emit is the engine's sink.
func (s *stream) Emit(e event.Event) { s.queue.Emit(e) }

// Close waits until every event is rendered.
func (s *stream) Close() error {
	s.queue.Close()
	<-s.done
	return s.renderer.Close()
}
