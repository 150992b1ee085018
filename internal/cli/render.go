package cli

import (
	"context"
	"errors"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/manifest"
	"github.com/crispify/crispify/internal/stack"
	"github.com/crispify/crispify/internal/ui"
	"github.com/crispify/crispify/internal/ui/tui"
)

// screen is what the terminal UI shows besides the events: the project,
// what the run will touch, and the controller the keys act through.
type screen struct {
	endpoint string
	board    bool
	// attached: the board of a stack another process keeps, where q only
	// closes it (status --watch, an apply through a running supervisor).
	attached bool
	services []string
	infra    []string
	workers  []string
	ctrl     tui.Controller
}

// stream connects the engine to the output: the engine emits into a queue
// and never waits; the renderer (or the terminal UI) reads at its own pace.
type stream struct {
	queue *event.Queue
	done  chan struct{}
	mode  string
	// err is what the renderer or the terminal UI ended with.
	err error
}

// show renders the events run emits in the output mode, and ends as every
// command with an event stream does: the renderer closed (its failure, or
// an interrupt in the terminal UI, wins), then a usage error of the
// engine, then Ctrl-C (ctx), then the summary table (with plain output
// only: the terminal UI's last frame and the JSON stream's last event are
// their own summaries), then run's error as the exit code says. For the
// terminal UI, sc says what it shows; m names the project.
func (g *GlobalOptions) show(ctx context.Context, io *IOStreams, m *manifest.Manifest, sc *screen, run func(event.Sink) error, table func()) error {
	out := g.startStream(ctx, io, m, sc, event.NewQueue())
	runErr := run(out)
	if err := out.Close(); err != nil {
		return err
	}
	if stack.IsUsage(runErr) {
		return exitFor(runErr)
	}
	if ctx.Err() != nil {
		return errInterrupted
	}
	if out.mode == OutputPlain && table != nil {
		table()
	}
	return exitFor(runErr)
}

// startStream renders the events of q in the output mode. Without a
// screen, the terminal UI's mode renders plain lines.
func (g *GlobalOptions) startStream(ctx context.Context, io *IOStreams, m *manifest.Manifest, sc *screen, q *event.Queue) *stream {
	mode := io.Output()
	if mode == OutputTUI && sc == nil {
		mode = OutputPlain
	}
	s := &stream{queue: q, done: make(chan struct{}), mode: mode}
	if mode == OutputTUI {
		opts := tui.Options{
			Title: m.Project, Endpoint: sc.endpoint, DataBranch: stack.ShownData(m), Board: sc.board, Attached: sc.attached,
			NoColor: !io.Colour(g.NoColour, true),
			Infra:   sc.infra, Workers: sc.workers,
			Images: imagesOf(m, sc.infra), Needs: needsOf(m, sc.services),
		}
		opts.Repos, opts.RepoOf = reposOf(m, sc.services)
		go func() {
			defer close(s.done)
			s.err = tui.Run(ctx, s.queue, sc.ctrl, opts)
		}()
		return s
	}
	var r ui.Renderer
	if mode == OutputJSON {
		r = ui.NewJSON(io.Out)
	} else {
		r = ui.NewPlain(io.ErrOut, io.Colour(g.NoColour, io.ErrTTY))
	}
	go func() {
		defer close(s.done)
		s.queue.Drain(r.Render)
		s.err = r.Close()
	}()
	return s
}

// Emit is the engine's sink.
func (s *stream) Emit(e event.Event) { s.queue.Emit(e) }

// Close ends the stream and waits for the renderer; for a board, until the
// user quits. A Ctrl-C in the terminal UI, once or twice, is errInterrupted.
func (s *stream) Close() error {
	s.queue.Close()
	<-s.done
	if errors.Is(s.err, tui.ErrForced) || errors.Is(s.err, tui.ErrInterrupted) {
		return errInterrupted
	}
	return s.err
}

// forced reports whether the terminal UI ended on a second Ctrl-C; only
// once Done is closed.
func (s *stream) forced() bool { return errors.Is(s.err, tui.ErrForced) }

// Done is closed when the renderer has ended: for the terminal UI, when the
// user quit.
func (s *stream) Done() <-chan struct{} { return s.done }

// reposOf names the repo rows of the services (a repo of several services
// is one row, named by its folder) and, for each service whose repo is
// named otherwise, that name.
func reposOf(m *manifest.Manifest, services []string) ([]string, map[string]string) {
	var names []string
	of := map[string]string{}
	for _, c := range m.Clones(services) {
		names = append(names, c.Name)
		for _, s := range c.Services {
			if s != c.Name {
				of[s] = c.Name
			}
		}
	}
	return names, of
}

// imagesOf maps each image to the infra that run it, so that a pull shows
// on their rows.
func imagesOf(m *manifest.Manifest, infra []string) map[string][]string {
	images := map[string][]string{}
	for _, name := range infra {
		ref := m.Infra[name].Image
		images[ref] = append(images[ref], name)
	}
	return images
}

// needsOf maps each service to what it needs, so that a worker waiting on
// them says which.
func needsOf(m *manifest.Manifest, services []string) map[string][]string {
	needs := map[string][]string{}
	for _, name := range services {
		if s := m.Services[name]; s != nil && len(s.Needs) > 0 {
			needs[name] = s.Needs
		}
	}
	return needs
}
