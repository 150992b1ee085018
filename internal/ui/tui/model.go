package tui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/secret"
)

// itemKey names one row's subject: a repo, an image, an infra container, a
// setup step or a worker, as events name them.
type itemKey struct {
	kind event.Kind
	name string
}

// foldKind marks the selectable summary line of finished repos, whose enter
// unfolds them.
const foldKind event.Kind = "fold"

// item is what the screen knows of one subject: the last state its events
// gave, and the lines it wrote.
type item struct {
	itemKey
	label    string      // the name made safe to draw
	phase    event.Phase // "" until its first event: pending
	since    time.Time   // when phase was entered, or the container started: uptime
	progress *float64    // of the current phase, when known
	msg      string
	err      string
	pid      int
	ports    []string
	restarts int
	exit     *int
	git      *event.Git // a repo's git state, as last read
	watch    string     // how a worker's files are watched: on, polling, off or ""
	load     *figures   // its latest CPU and memory, while a sampler runs
	log      ring       // output lines and state changes, what enter shows
}

// stackState is what the stack events said: when the latest apply started
// and how it ended, for the header. Each apply (a boot, a remote from
// another terminal) begins with a started event; started stays zero on a
// board that joined after it (status --watch replays only how it ended).
type stackState struct {
	phase   event.Phase
	at      time.Time
	started time.Time
	err     string
}

// model is the whole screen's state. Update changes it only from messages;
// the work behind a key (restart, stop, quit, logs) runs in a tea.Cmd and
// comes back as a message, so tests drive the model with no terminal.
type model struct {
	opts   Options
	ctrl   Controller
	ctx    context.Context // lives as long as the program: controller calls
	queue  *event.Queue
	styles styles
	keys   keyMap

	items map[itemKey]*item
	// order keeps each kind's items in the order they were first known, so
	// rows do not jump around as states change.
	order map[event.Kind][]*item
	// imageOf maps an image reference to the infra that use it.
	imageOf map[string][]string

	start, now    time.Time
	width, height int
	stack         stackState
	data          string       // the data branch the infra run on, for the header
	machine       *machineLoad // the rows' total load and the free memory
	queues        brokerQueues // each broker's queues

	sel      itemKey // the selected row, by subject so it survives reordering
	selIdx   int     // its index among selectable rows, kept when it vanishes
	autoSel  itemKey // the row the board chose, not the user: it follows the first row
	top      int     // first body line shown when the body scrolls
	expanded bool    // finished repos shown as rows instead of one line
	filter   string  // rows whose name contains it; "" shows all
	typing   bool    // keys go to the filter
	help     bool
	logs     *logView

	quitting   bool // Controller.Quit was called
	forced     bool // a second interrupt: Run returns ErrForced
	streamDone bool // the queue is closed and drained
	exiting    bool // tea.Quit was returned: the last frame is drawn
	err        error
	// interrupted: the user quit with Ctrl-C (or a signal), not q; Run
	// returns ErrInterrupted, so that the command exits 130.
	interrupted bool

	flash      string // the outcome of the last action, shown in the footer
	flashBad   bool
	flashUntil time.Time

	frame    int  // spinner frame
	tickGen  int  // only the newest tick chain re-arms
	tickFast bool // the current chain ticks every 100ms
	logSeq   int  // ids of log streams, so a closed stream's lines are dropped
}

func newModel(ctx context.Context, q *event.Queue, ctrl Controller, opts Options, now time.Time) *model {
	if ctrl == nil {
		ctrl = nopController{}
	}
	m := &model{
		opts:    opts,
		ctrl:    ctrl,
		ctx:     ctx,
		queue:   q,
		styles:  newStyles(!opts.NoColor),
		keys:    newKeyMap().forMode(opts),
		items:   map[itemKey]*item{},
		order:   map[event.Kind][]*item{},
		imageOf: map[string][]string{},
		start:   now,
		now:     now,
		data:    opts.DataBranch,
		width:   80,
		height:  24,
	}
	for _, n := range opts.Repos {
		m.get(event.Repo, n)
	}
	for _, n := range opts.Infra {
		m.get(event.Infra, n)
	}
	for ref, infra := range opts.Images {
		m.imageOf[ref] = infra
	}
	for _, n := range opts.Workers {
		m.get(event.Worker, n)
	}
	return m
}

// get returns the item, adding it in the order of first mention.
func (m *model) get(kind event.Kind, name string) *item {
	k := itemKey{kind, name}
	if it, ok := m.items[k]; ok {
		return it
	}
	it := &item{itemKey: k, label: clean(name)}
	m.items[k] = it
	m.order[kind] = append(m.order[kind], it)
	return it
}

// setupHost is the row a service's setup shows on: its worker when it has
// one, else its repo (a clone-only service with setup commands).
func (m *model) setupHost(name string) *item {
	if it, ok := m.items[itemKey{event.Worker, name}]; ok {
		return it
	}
	return m.get(event.Repo, name)
}

// apply records one event.
func (m *model) apply(e event.Event) {
	switch e.Kind {
	case event.Stack:
		if e.Phase == event.Started {
			m.stack.started = e.TS
		}
		// Its counts are left: they go stale at the first stop, and the
		// header counts the rows instead (stackCounts).
		m.stack.phase, m.stack.at, m.stack.err = e.Phase, e.TS, e.Error
		return
	case event.Setup:
		if e.IsOutput() {
			m.setupHost(e.Name).log.add("setup: " + e.Line)
			return
		}
	case event.Load:
		m.applyLoad(e)
		return
	case event.QueueKind:
		m.applyQueue(e)
		return
	case event.Data:
		if e.Phase == event.Swapped && e.Volume != nil && e.Volume.Branch != "" && m.data != "" {
			m.data = e.Volume.Branch // a switch moved the infra to its data
		}
	}
	it := m.get(e.Kind, e.Name)
	if e.IsOutput() {
		it.log.add(e.Line)
		return
	}
	if e.Phase != it.phase {
		it.since = e.TS
		it.err = ""
		m.journal(e)
	}
	if !e.Since.IsZero() {
		// The engine's clock of when a container started beats ours of
		// when we heard: it may have run for hours before this board.
		it.since = e.Since
	}
	if e.Git != nil {
		g := *e.Git
		it.git = &g
	}
	if e.Watch != "" {
		it.watch = e.Watch
	}
	it.phase = e.Phase
	it.progress = e.Progress
	it.msg = e.Msg
	if e.Error != "" {
		it.err = e.Error
	}
	switch {
	case e.PID != 0:
		it.pid = e.PID
	case isDown(e.Phase):
		it.pid = 0 // a worker that exited has no process any more
	}
	if e.Ports != nil {
		it.ports = e.Ports
	}
	if e.Restarts != 0 {
		it.restarts = e.Restarts
	}
	if e.ExitCode != nil {
		it.exit = e.ExitCode
	}
}

// journal writes a change of state into the log of the row it shows on, so
// that enter on a failed repo or a crashing worker shows the whole story,
// the whole error included.
func (m *model) journal(e event.Event) {
	line := "── " + string(e.Phase)
	if e.Kind == event.Setup {
		line = "── setup " + string(e.Phase)
	}
	// The engine masks what it sends; the board masks again, so that no
	// sender can put a password on screen. A setup's msg is its command.
	// A msg that only repeats the phase ("cloning: cloning") is said once.
	if e.Msg != "" && e.Msg != string(e.Phase) {
		line += ": " + secret.MaskCommand(e.Msg)
	}
	// A process that starts or comes up says which it is: after a restart
	// the log must tell the new pid from the old.
	if pid := fmt.Sprintf("pid %d", e.PID); e.PID != 0 && (e.Phase == event.Starting || e.Phase == event.Ready) &&
		!strings.Contains(e.Msg, pid) {
		line += " (" + pid + ")"
	}
	host := m.get(e.Kind, e.Name)
	if e.Kind == event.Setup {
		host = m.setupHost(e.Name)
	}
	host.log.add(line)
	if e.Error != "" {
		for _, l := range splitLines(secret.Redact(e.Error)) {
			host.log.add("   " + l)
		}
	}
}

// busy reports whether anything is at work, which is when the spinner and
// the elapsed time need the fast tick.
func (m *model) busy() bool {
	if m.quitting && !m.streamDone {
		return true
	}
	for _, it := range m.items {
		if it.phase != "" && !it.phase.Final() {
			return true
		}
	}
	return false
}
