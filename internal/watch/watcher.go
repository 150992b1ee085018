package watch

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Defaults of Service and Options.
const (
	// DefaultDebounce is how long a repo must be quiet before its change is
	// reported: an editor's save (swap file, rename, write) and a git
	// checkout take less.
	DefaultDebounce = 150 * time.Millisecond
	// DefaultPollInterval is how often a polled repo is looked over.
	DefaultPollInterval = 2 * time.Second
	// DefaultPollMaxFiles bounds the files and folders of one polled repo
	// that are looked at on each pass.
	DefaultPollMaxFiles = 20000
)

// maxWaitFactor bounds a burst that never goes quiet: it is reported after
// this many debounces anyway (3 s by default), so that a file written
// forever still restarts its worker, while a checkout of thousands of files
// that lasts a second or two still gives one change.
const maxWaitFactor = 20

// Options tune a Watcher; the zero value is the defaults.
type Options struct {
	PollInterval time.Duration // default DefaultPollInterval
	PollMaxFiles int           // default DefaultPollMaxFiles
	// Home is where the user's global git excludes are looked for; empty
	// means the user's home and $XDG_CONFIG_HOME.
	Home string
}

// Service is what one worker's changes are: its repo, or the part of it
// that Paths name. Services may share a repo, or folders of it (the
// services of a monorepo): they share its OS watches, and a change goes to
// each service whose own Paths, ignore rules and setup_when files take it.
type Service struct {
	Name string
	Dir  string // the repo, absolute
	// Paths narrow what is watched to these files and folders, relative to
	// Dir; none means the whole repo.
	Paths []string
	// Ignore holds patterns in .gitignore syntax, relative to Dir, above
	// every other ignore rule.
	Ignore []string
	// Debounce is how long the repo must be quiet before a change is
	// reported; 0 means DefaultDebounce.
	Debounce time.Duration
	// SetupWhen are the files (relative to Dir) whose change re-runs setup;
	// they are watched even where ignored or outside Paths.
	SetupWhen []string
	// Disabled adds the service without watching it until Enable (a
	// service the board's w may turn on later).
	Disabled bool
}

// Change is one burst of changes in a service's repo, reported once the
// repo has been quiet for the debounce time.
type Change struct {
	Service string
	// Trigger is the first file that changed and still exists (else the
	// first that changed), relative to the repo and slash-separated. It is
	// empty when the OS dropped events (its queue overflowed): something
	// changed, it is not known what.
	Trigger string
	// Files is how many files changed in the burst; past a thousand, a
	// file changed twice may be counted twice.
	Files int
	// SetupChanged are the setup_when files among them, in the service's
	// order: setup runs before the restart. When events were dropped, every
	// setup_when file is listed and setup's own content hash decides.
	SetupChanged []string
	// Polling says the repo is polled rather than watched by the OS.
	Polling bool
}

// Reason says why the worker restarts, for its row and its log:
// "main.go changed", "main.go and 199 other files changed".
func (c Change) Reason() string {
	switch {
	case c.Trigger == "":
		return "files changed (too many at once to name)"
	case c.Files <= 1:
		return c.Trigger + " changed"
	case c.Files == 2:
		return c.Trigger + " and 1 other file changed"
	}
	return fmt.Sprintf("%s and %d other files changed", c.Trigger, c.Files-1)
}

// Status is how a service is watched.
type Status struct {
	Enabled bool
	// Polling says the repo is looked over every PollInterval instead of
	// being watched by the OS; Problem says why.
	Polling bool
	// Folders is how many of the repo's folders the OS watches for the
	// service (a folder shared with others counts for each).
	Folders int
	// Problem is why the service is polled (a *LimitError) or why watching
	// stopped (the repo's folder was removed); nil when all is well.
	Problem error
}

// Watcher watches the repos of a stack's services with one OS watcher and
// reports a debounced Change per service and burst. A folder that several
// services watch takes one OS watch, and each event in it is handed to
// every one of them. Its methods are safe for concurrent use.
type Watcher struct {
	opts    Options
	fsw     *fsnotify.Watcher // nil when the OS gave none: every service is polled
	fswErr  error             // why fsw is nil
	add     func(string) error
	global  []pattern
	builtin []pattern

	out  chan Change
	kick chan struct{} // a change is ready to deliver
	done chan struct{}
	wg   sync.WaitGroup

	mu       sync.Mutex
	closed   bool
	services map[string]*service
	// owners are the services that watch each folder under an OS watch
	// (absolute), in the order they took it: the watch goes with the last.
	owners map[string][]*service
	ready  []*Change // reported, not yet delivered; at most one per service
}

// service is the state of one added Service.
type service struct {
	cfg     Service
	tree    *tree
	enabled bool
	polling bool
	problem error
	dirs    map[string]bool // folders under an OS watch, absolute
	pend    *pending        // the burst being debounced
	snap    *snapshot       // the last poll pass, when polled
}

// New starts a Watcher. When the OS gives no watcher because a limit is
// reached (inotify's max_user_instances), it still works: every service is
// polled, and its Status says why.
func New(opts Options) (*Watcher, error) {
	if opts.PollInterval <= 0 {
		opts.PollInterval = DefaultPollInterval
	}
	if opts.PollMaxFiles <= 0 {
		opts.PollMaxFiles = DefaultPollMaxFiles
	}
	w := &Watcher{
		opts:     opts,
		global:   globalExcludes(opts.Home),
		builtin:  parsePatterns([]byte(strings.Join(builtinIgnores, "\n"))),
		out:      make(chan Change),
		kick:     make(chan struct{}, 1),
		done:     make(chan struct{}),
		services: map[string]*service{},
		owners:   map[string][]*service{},
	}
	fsw, err := fsnotify.NewWatcher()
	switch {
	case err == nil:
		w.fsw, w.add = fsw, fsw.Add
		w.wg.Add(1)
		go w.loop()
	case isLimit(err):
		w.fswErr = err
	default:
		return nil, fmt.Errorf("start watching files: %w", err)
	}
	w.wg.Add(2)
	go w.deliver()
	go w.poll()
	return w, nil
}

// Changes delivers the changes, one per service and burst. It is closed by
// Close. A change not yet received is merged with the next one of the same
// service, so a slow reader holds at most one per service.
func (w *Watcher) Changes() <-chan Change { return w.out }

// Add starts watching a service's repo, unless s.Disabled. Other services
// may watch the same repo, or folders of it. A repo too large for the OS's
// watch limit is polled instead: the Status says so and why. The error is
// for a service that cannot be watched at all.
func (w *Watcher) Add(s Service) (Status, error) {
	cfg, extra, err := check(s)
	if err != nil {
		return Status{}, err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return Status{}, fmt.Errorf("watch %s: the watcher is closed", s.Name)
	}
	if _, ok := w.services[cfg.Name]; ok {
		return Status{}, fmt.Errorf("watch %s: already watched: add each service once", s.Name)
	}
	svc := &service{
		cfg:  cfg,
		tree: &tree{dir: cfg.Dir, paths: cfg.Paths, pinned: cfg.SetupWhen, rules: newRules(cfg.Dir, extra, w.global, w.builtin)},
		dirs: map[string]bool{},
	}
	w.services[cfg.Name] = svc
	if !cfg.Disabled {
		w.start(svc)
	}
	return svc.status(), nil
}

// Remove stops watching a service and forgets it; the folders other
// services watch stay watched.
func (w *Watcher) Remove(name string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if svc, ok := w.services[name]; ok {
		w.stop(svc)
		delete(w.services, name)
	}
}

// Enable watches a service again (the board's w), trying the OS's watcher
// first even if it was polled before.
func (w *Watcher) Enable(name string) (Status, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	svc, ok := w.services[name]
	if !ok {
		return Status{}, fmt.Errorf("watch %s: no such service is watched: add it first", name)
	}
	if !svc.enabled && !w.closed {
		w.start(svc)
	}
	return svc.status(), nil
}

// Disable stops watching a service, forgetting the burst being debounced
// and any change not yet delivered (but one already being handed over to
// a reader may still arrive); Enable resumes. The folders other services
// watch stay watched.
func (w *Watcher) Disable(name string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	svc, ok := w.services[name]
	if !ok {
		return fmt.Errorf("watch %s: no such service is watched: add it first", name)
	}
	w.stop(svc)
	return nil
}

// Status tells how a service is watched; ok is false for one never added.
func (w *Watcher) Status(name string) (st Status, ok bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	svc, ok := w.services[name]
	if !ok {
		return Status{}, false
	}
	return svc.status(), true
}

// Watched counts the services being watched, for the board's header.
func (w *Watcher) Watched() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, svc := range w.services {
		if svc.enabled {
			n++
		}
	}
	return n
}

// Close stops watching everything and closes Changes.
func (w *Watcher) Close() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return nil
	}
	w.closed = true
	for _, svc := range w.services {
		svc.cancel()
	}
	w.mu.Unlock()
	close(w.done)
	var err error
	if w.fsw != nil {
		err = w.fsw.Close()
	}
	w.wg.Wait()
	return err
}

func (s *service) status() Status {
	return Status{Enabled: s.enabled, Polling: s.polling, Folders: len(s.dirs), Problem: s.problem}
}

// start watches svc with the OS's watcher, or polls it when a limit stops
// that. Called with w.mu held.
func (w *Watcher) start(svc *service) {
	svc.enabled, svc.polling, svc.problem = true, false, nil
	if w.fsw == nil {
		w.startPolling(svc, w.fswErr)
		return
	}
	svc.tree.rules = svc.tree.rules.fresh()
	if err := w.watchFrom(svc, ".", false); err != nil {
		w.startPolling(svc, err)
	}
}

// stop ends watching svc, by the OS or by polling. Called with w.mu held.
func (w *Watcher) stop(svc *service) {
	svc.enabled, svc.polling, svc.problem, svc.snap = false, false, nil, nil
	w.unwatchAll(svc)
	svc.cancel()
	for i, c := range w.ready {
		if c.Service == svc.cfg.Name {
			w.ready = append(w.ready[:i], w.ready[i+1:]...)
			break
		}
	}
}
