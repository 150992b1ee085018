package stack

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/manifest"
	"github.com/crispify/crispify/internal/repos"
	"github.com/crispify/crispify/internal/turn"
	"github.com/crispify/crispify/internal/watch"
	"github.com/crispify/crispify/internal/workers"
)

// Watch states of a worker, on its events (event.Event.Watch).
const (
	watchOn      = "on"
	watchPolling = "polling"
	watchOff     = "off"
)

// watching is the inner loop of a stack: one file watcher for all its
// services, and what it needs to restart a worker when its files change.
type watching struct {
	sup     *Supervisor
	watcher *watch.Watcher // nil when none could be made: nothing is watched
	problem error          // why there is no watcher
	git     *repos.StateReader
	// ctx ends when watching does: a restart under way is cut short, so
	// that a stack stopping does not wait for it.
	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	targets map[string]target // by service: what to set up and run
	paused  map[string]int    // by service: crispify writes to its repo; >0 while it does
	// queued holds, by service, the change that came while the service's
	// rebuild held its turn: it is applied after, never dropped.
	queued map[string]*watch.Change
	// rebuilds are the services' turns: one rebuild at a time for each.
	// Taken and given back under mu, with queued.
	rebuilds turn.Turns
	done     sync.WaitGroup
}

// target is what a change restarts: the service as the last apply saw it,
// its environment, and the worker's spec.
type target struct {
	svc  *manifest.Service
	env  []string
	spec workers.Spec
	cfg  watch.Service // as added to the watcher
}

func newWatching(s *Supervisor) *watching {
	w := &watching{sup: s, targets: map[string]target{}, paused: map[string]int{}, queued: map[string]*watch.Change{}, git: s.git}
	w.ctx, w.cancel = context.WithCancel(s.base)
	w.watcher, w.problem = watch.New(watch.Options{})
	if w.watcher != nil {
		w.done.Go(w.follow)
	}
	return w
}

// close stops watching: nothing restarts while the stack stops.
func (w *watching) close() {
	w.cancel()
	if w.watcher != nil {
		w.watcher.Close()
	}
	w.done.Wait()
}

// serviceConfig is how the watcher watches s: its clone from the top,
// narrowed to its watch.paths, else to what shapes it (its paths, else its
// dir; nil, the whole repo), with its setup_when files as written, relative
// to the top. The services of one clone share its watches, and a save goes
// to each whose paths hold it: a save in a package they share restarts
// them all, one in a service's own dir that service alone.
func serviceConfig(s *manifest.Service, disabled bool) watch.Service {
	cfg := watch.Service{Name: s.Name, Dir: s.Dir, Paths: s.Scope(), SetupWhen: s.SetupWhen, Disabled: disabled}
	if s.Watch != nil {
		cfg.Ignore, cfg.Debounce = s.Watch.Ignore, s.Watch.Debounce.D()
		if len(s.Watch.Paths) > 0 {
			cfg.Paths = s.Watch.Paths
		}
	}
	return cfg
}

// track is called by an apply for every service with a worker once its
// repo is there: the watcher follows it (turned on when the service is
// watched by the manifest or by --watch, or was turned on before and the
// manifest does not turn it off), and a change will restart it as the
// apply left it.
func (w *watching) track(s *manifest.Service, env []string, spec workers.Spec, flag bool) {
	if w.watcher == nil {
		return
	}
	w.mu.Lock()
	old, known := w.targets[s.Name]
	w.mu.Unlock()
	st, _ := w.watcher.Status(s.Name)
	want := s.Watching(flag) || (known && st.Enabled && (s.Watch == nil || !s.Watch.Off))
	cfg := serviceConfig(s, !want)
	var err error
	switch {
	case !known:
		_, err = w.watcher.Add(cfg)
	case !sameWatch(old.cfg, cfg):
		w.watcher.Remove(s.Name)
		_, err = w.watcher.Add(cfg)
	case want && !st.Enabled:
		_, err = w.watcher.Enable(s.Name)
	}
	w.mu.Lock()
	w.targets[s.Name] = target{svc: s, env: env, spec: spec, cfg: cfg}
	w.mu.Unlock()
	w.announce(s.Name, err, false)
}

func sameWatch(a, b watch.Service) bool {
	return a.Dir == b.Dir && slices.Equal(a.Paths, b.Paths) && slices.Equal(a.Ignore, b.Ignore) &&
		a.Debounce == b.Debounce && slices.Equal(a.SetupWhen, b.SetupWhen)
}

// announce says on the worker's row how it is watched, or why it cannot
// be: always after a toggle, and when tracking only when there is
// something to say (the later events of the worker carry its watch state).
func (w *watching) announce(name string, err error, always bool) {
	st := w.sup.workerStatus(name)
	e := event.Event{Kind: event.Worker, Name: name, Phase: st.State, PID: firstPID(st)}
	switch {
	case err != nil:
		e.Msg = "not watched: " + err.Error()
	default:
		if ws, _ := w.watcher.Status(name); ws.Polling && ws.Problem != nil {
			e.Msg = "watched by polling: " + ws.Problem.Error()
		}
	}
	if e.Msg != "" || always {
		w.sup.stream.Emit(e)
	}
}

// state is the watch state of a service for its events.
func (w *watching) state(name string) string {
	if w.watcher == nil {
		return ""
	}
	st, ok := w.watcher.Status(name)
	w.mu.Lock()
	paused := w.paused[name] > 0
	w.mu.Unlock()
	switch {
	case !ok:
		return ""
	case paused:
		return watchOn // watched, only not while crispify writes to it
	case !st.Enabled:
		return watchOff
	case st.Polling:
		return watchPolling
	}
	return watchOn
}

// toggle turns watching of the named services on or off: the board's w,
// `crispify watch`.
func (w *watching) toggle(names []string, on bool) error {
	if w.watcher == nil {
		return fmt.Errorf("watch %s: no file watcher: %v; it failed when this supervisor started: stop the stack (decrispify) and boot it again to retry", words(names), w.problem)
	}
	var errs []error
	for _, name := range names {
		w.mu.Lock()
		_, known := w.targets[name]
		w.mu.Unlock()
		if !known {
			errs = append(errs, fmt.Errorf("watch %s: no worker of that name runs in this stack", name))
			continue
		}
		var err error
		if on {
			_, err = w.watcher.Enable(name)
		} else {
			err = w.watcher.Disable(name)
		}
		errs = append(errs, err)
		w.announce(name, err, true)
	}
	return errors.Join(errs...)
}

// pause stops watching name's repo while crispify itself writes to it (a
// clone, a fast-forward, a setup building into the repo, a restart for a
// change): its own writes are no change of the developer's. resume turns
// it back on; pauses nest.
func (w *watching) pause(name string) {
	if w.watcher == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if st, ok := w.watcher.Status(name); w.paused[name] == 0 && (!ok || !st.Enabled) {
		return // not watched: nothing to pause
	}
	if w.paused[name]++; w.paused[name] == 1 {
		w.watcher.Disable(name)
	}
}

func (w *watching) resume(name string) {
	if w.watcher == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.paused[name] == 0 {
		return
	}
	if w.paused[name]--; w.paused[name] == 0 {
		w.watcher.Enable(name)
	}
}
