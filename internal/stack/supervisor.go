package stack

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/crispify/crispify/internal/docker"
	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/lockfile"
	"github.com/crispify/crispify/internal/manifest"
	"github.com/crispify/crispify/internal/repos"
	"github.com/crispify/crispify/internal/ssh"
	"github.com/crispify/crispify/internal/turn"
	"github.com/crispify/crispify/internal/workers"
)

// ErrRunning says a supervisor already runs for the project in its
// workspace: apply through it (Dial) instead.
var ErrRunning = errors.New("a crispify supervisor already runs for this project")

// Supervisor is this process keeping a project's stack: it holds the
// project's supervisor lock, runs the workers, applies boot requests (its
// own first one, and those of other terminals through its socket) and
// serves the socket until Shutdown. A foreground `crispify` and a detached
// one are the same Supervisor; only what renders its events differs.
type Supervisor struct {
	st      *Stack
	files   files
	stream  *stream
	workers *workers.Supervisor
	release func() // the supervisor lock
	// foreground: this is a crispify in a terminal, not a detached one.
	foreground bool

	turns turn.Turns // the stack's: one apply at a time (applyTurn)

	records *records // what each worker was started with
	// git reads the repos' git state for status rows, after each repo's
	// sync and each change the watcher sees; it remembers what cannot
	// change (a commit's tree), one memo per repo.
	git    *repos.StateReader
	watch  *watching
	load   *loadWatch  // samples CPU and memory while a board looks
	queues *queueWatch // reads RabbitMQ's queues while a board looks

	mu          sync.Mutex
	latest      *manifest.Manifest // the manifest of the last apply
	endpoint    docker.Endpoint
	tunnels     *ssh.Tunnels       // an ssh:// engine's ports, forwarded here for the stack's life
	keeper      *docker.Keeper     // follows the containers for the stack's life; every project reports through it
	cancelApply context.CancelFunc // of the apply under way; nil when none

	base        context.Context // Start's values, never cancelled
	listener    net.Listener
	served      chan error
	stopServing context.CancelFunc
	stopped     chan struct{} // closed once serving has ended
	shutdown    sync.Once
	shutdownErr error
}

// start makes this process the supervisor of st's project (Boot): it
// takes the project's supervisor lock (ErrRunning when another process
// holds it), ends what an earlier crispify left running, and serves the
// socket. It starts no worker: Apply does. inTerminal: other terminals that
// apply through it are told the stack is kept by a crispify in a terminal,
// not in the background.
func start(ctx context.Context, st *Stack, inTerminal bool) (*Supervisor, error) {
	f := filesOf(st.Manifest)
	if err := f.checkSocketPath(); err != nil {
		return nil, err
	}
	release, err := takeLock(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("lock the supervisor of project %s: %w", st.Manifest.Project, err)
	}
	s := &Supervisor{
		st: st, files: f, stream: newStream(f.dir), release: release, foreground: inTerminal,
		records: newRecords(), git: repos.NewStateReader(), latest: st.Manifest,
		served: make(chan error, 1), stopped: make(chan struct{}),
	}
	// Files of a supervisor that died; the lock says none lives.
	f.removeLive()
	if _, err := workers.EndLeftovers(ctx, f.workers(), s.stream); err != nil {
		release()
		return nil, err
	}
	s.workers, err = workers.New(workers.Options{StateDir: f.dir, StatePath: f.workers(), Sink: s.stream})
	if err != nil {
		release()
		return nil, err
	}
	s.listener, err = listen(f)
	if err != nil {
		release()
		return nil, err
	}
	writeRecord(f, st.Manifest.File) // decrispify's way back when the manifest breaks
	// The values of ctx (the -v tracer) reach the applies of other
	// terminals and the restarts of watched workers; its end does not.
	s.base = context.WithoutCancel(ctx)
	s.watch = newWatching(s)
	s.load = newLoadWatch(s)
	s.queues = newQueueWatch(s)
	s.stream.stamp = func(e event.Event) event.Event {
		if e.Kind == event.Worker {
			e.Watch = s.watch.state(e.Name)
		}
		return e
	}
	serveCtx, cancel := context.WithCancel(s.base)
	s.stopServing = cancel
	go func() {
		s.served <- serveOn(serveCtx, s.listener, f, s, func() { close(s.stopped) })
	}()
	return s, nil
}

// lockWait bounds how long Start waits for a lock that no supervisor
// answers for: a client cleaning a dead supervisor's files holds it for an
// instant, and one that is starting binds its socket within it.
const lockWait = 3 * time.Second

// takeLock takes the project's supervisor lock, or says ErrRunning when a
// supervisor holds it.
func takeLock(ctx context.Context, f files) (release func(), err error) {
	deadline := time.Now().Add(lockWait)
	for {
		release, err := lockfile.TryLock(f.lock())
		if !errors.Is(err, lockfile.ErrLocked) {
			return release, err
		}
		c, derr := dial(ctx, f)
		switch {
		case derr == nil:
			return nil, fmt.Errorf("%w (pid %d)", ErrRunning, c.PID())
		case time.Now().After(deadline):
			if pid, ok := f.readPID(); ok {
				return nil, fmt.Errorf("%w (pid %d)", ErrRunning, pid)
			}
			return nil, ErrRunning
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// PID is the supervisor's process id (this process).
func (s *Supervisor) PID() int { return os.Getpid() }

// Events subscribes to the stack's events: the state of every item, then
// each change, until ctx ends.
func (s *Supervisor) Events(ctx context.Context) *event.Queue { return s.stream.hub.Subscribe(ctx) }

// Stopped is closed once serving has ended: decrispify through the socket
// stopped the workers, or Shutdown ran.
func (s *Supervisor) Stopped() <-chan struct{} { return s.stopped }

// Shutdown stops every worker, those that need others first, stops
// serving, closes the event stream and lets go of the lock. Infra is left
// running. It is done once; later calls return the first one's result.
func (s *Supervisor) Shutdown(ctx context.Context) error {
	s.shutdown.Do(func() {
		s.mu.Lock()
		if s.cancelApply != nil {
			s.cancelApply()
		}
		s.mu.Unlock()
		s.watch.close() // nothing restarts while the stack stops
		s.mu.Lock()
		tunnels, keeper := s.tunnels, s.keeper
		s.mu.Unlock()
		keeper.StandDown()
		s.load.close()
		s.queues.close()
		err := s.workers.StopAll(ctx, s.stopOrder())
		if cerr := s.workers.Close(ctx); cerr != nil && err == nil {
			err = cerr
		}
		keeper.Close()
		// The tunnels go with the workers that used them.
		if terr := tunnels.Close(); terr != nil && err == nil {
			err = terr
		}
		s.stopServing()
		if serr := <-s.served; serr != nil && err == nil {
			err = serr
		}
		s.stream.hub.Close()
		removeRecord(s.files)
		s.release()
		s.shutdownErr = err
	})
	return s.shutdownErr
}

// stopOrder is the reverse of the dependency order of the workers of the
// latest manifest: a worker stops before those it needs.
func (s *Supervisor) stopOrder() [][]string {
	s.mu.Lock()
	m := s.latest
	s.mu.Unlock()
	return StopOrder(m, m.ServiceNames())
}

// project is a run from m of the stack's one project on the supervisor's
// engine: the keeper's, made at the first connection and closed with it
// at Shutdown. Every apply, stop and restart shares what the project
// keeps beyond a call (docker.Project.With).
func (s *Supervisor) project(ctx context.Context, m *manifest.Manifest, pull bool) (*docker.Project, docker.Endpoint, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.keeper == nil { // not connected yet: the first apply with infra
		engine, ep, err := s.st.Connect(ctx)
		if err != nil {
			return nil, ep, err
		}
		s.endpoint = ep
		s.tunnels = docker.NewTunnels(ep, m.StateDir(), s.stream)
		s.keeper = docker.NewKeeper(s.base, docker.KeeperOptions{
			Engine: engine, Manifest: s.manifest, Sink: s.stream, Local: ep.Local(), Tunnels: s.tunnels, Healthy: s.infraHealthy,
		})
		s.keeper.Start()
	}
	data, err := dataBranch(m)
	if err != nil {
		return nil, s.endpoint, err
	}
	p := s.keeper.Project(m, pull)
	p.DataBranch = data
	return p, s.endpoint, nil
}

// manifest is the manifest of the last apply.
func (s *Supervisor) manifest() *manifest.Manifest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.latest
}

// infraHealthy starts at once the workers that need an infra container
// and wait in their restart backoff, now that it is healthy again: a
// worker that crashed while Redis was down would otherwise wait up to 30 s
// more.
func (s *Supervisor) infraHealthy(infra string) {
	m := s.manifest()
	var names []string
	for _, name := range m.ServiceNames() {
		if slices.Contains(m.Services[name].Needs, infra) {
			names = append(names, name)
		}
	}
	s.workers.RetryNow(infra+" is healthy again", names...)
}

// Restart restarts workers or containers by name, as the board's r does.
func (s *Supervisor) Restart(ctx context.Context, kind event.Kind, names ...string) error {
	return s.eachItem(ctx, "restart", kind, names, s.workers.Restart, func(p *docker.Project, name string) error { return p.Restart(ctx, name) })
}

// Stop stops workers or containers by name, as the board's s does.
func (s *Supervisor) Stop(ctx context.Context, kind event.Kind, names ...string) error {
	return s.eachItem(ctx, "stop", kind, names, s.workers.Stop, func(p *docker.Project, name string) error { return p.Stop(ctx, name) })
}

// eachItem does a stop or restart to each named worker (of kind "" or
// worker) or container (of kind "" or infra), all of them, and joins the
// failures.
func (s *Supervisor) eachItem(ctx context.Context, verb string, kind event.Kind, names []string,
	worker func(context.Context, string) error, infra func(*docker.Project, string) error) error {
	s.mu.Lock()
	m := s.latest
	s.mu.Unlock()
	var errs []error
	for _, name := range names {
		_, isInfra := m.Infra[name]
		_, isService := m.Services[name]
		switch {
		case kind != event.Infra && s.workers.Has(name):
			errs = append(errs, worker(ctx, name))
		case kind != event.Worker && isInfra:
			p, _, err := s.project(ctx, m, false)
			if err == nil {
				err = infra(p, name)
			}
			errs = append(errs, err)
		case kind != event.Infra && isService:
			errs = append(errs, fmt.Errorf("%s %s: its worker does not run in this stack: start it with `crispify run %s`", verb, name, name))
		default:
			errs = append(errs, fmt.Errorf("%s %s: no worker or container of that name in project %s", verb, name, m.Project))
		}
	}
	return errors.Join(errs...)
}

// The socket's requests.

func (s *Supervisor) events(ctx context.Context, send func(event.Event) error) error {
	defer s.load.look()() // a board or status --watch: its rows show load
	defer s.queues.look()()
	q := s.Events(ctx)
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

func (s *Supervisor) status() []workers.Status { return s.workers.Status() }

// workerStatus is where the worker of name stands; stopped when none runs.
func (s *Supervisor) workerStatus(name string) workers.Status {
	for _, st := range s.workers.Status() {
		if st.Name == name {
			return st
		}
	}
	return workers.Status{Name: name, State: event.Stopped}
}

// Watch turns watching of the named workers' files on or off (the board's
// w): a change then restarts the worker.
func (s *Supervisor) Watch(ctx context.Context, on bool, names ...string) error {
	return s.watch.toggle(names, on)
}

func (s *Supervisor) watchNames(ctx context.Context, names []string, on bool) error {
	return s.Watch(ctx, on, names...)
}

func (s *Supervisor) apply(ctx context.Context, req Request, send func(event.Event) error) (Result, error) {
	// The client is read at its own pace: the apply never waits on it.
	q := event.NewQueue(logFileOption(s.files.dir))
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		q.Drain(func(e event.Event) { send(e) })
	}()
	res, err := s.Apply(ctx, req, q)
	q.Close()
	<-drained
	return res, err
}

func (s *Supervisor) stop(ctx context.Context, kind event.Kind, names []string) error {
	return s.Stop(ctx, kind, names...)
}

func (s *Supervisor) restart(ctx context.Context, kind event.Kind, names []string) error {
	return s.Restart(ctx, kind, names...)
}

// inTerminal says this supervisor is a foreground crispify.
func (s *Supervisor) inTerminal() bool { return s.foreground }

// down stops every worker for decrispify; serving ends after the answer,
// and the process that owns the supervisor then shuts it down.
func (s *Supervisor) down(ctx context.Context) error {
	s.mu.Lock()
	if s.cancelApply != nil {
		s.cancelApply()
	}
	keeper := s.keeper
	s.mu.Unlock()
	keeper.StandDown() // decrispify takes the containers down next
	s.watch.close()
	return s.workers.StopAll(context.WithoutCancel(ctx), s.stopOrder())
}
