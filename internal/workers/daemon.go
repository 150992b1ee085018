package workers

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/lockfile"
)

// The detach daemon is a crispify process that keeps the workers after
// `crispify -d` returns. It serves <StateDir>/supervisor.sock, a unix socket
// (AF_UNIX works on Windows 10 and later too), with newline-delimited JSON:
// one request per connection, then one response, or a stream of them for
// events. Only the user may connect: the socket is made 0600.

// ErrNoDaemon says no daemon runs for the workspace.
var ErrNoDaemon = errors.New("no crispify daemon runs for this workspace")

// ErrDaemonRunning says a daemon runs already for the workspace.
var ErrDaemonRunning = errors.New("a crispify daemon already runs for this workspace")

// Handler is what the daemon does for its clients.
type Handler interface {
	// Events replays the current state of every item, then sends live
	// events until ctx ends. send fails once the client is gone.
	Events(ctx context.Context, send func(event.Event) error) error
	Status() []Status
	// Stop stops every worker; Serve then returns.
	Stop(ctx context.Context) error
	Restart(ctx context.Context, name string) error
	// StopWorker stops one worker and keeps serving: the board's s key.
	StopWorker(ctx context.Context, name string) error
}

// SocketPath is the daemon's socket; PIDPath its pid file.
func SocketPath(stateDir string) string { return filepath.Join(stateDir, "supervisor.sock") }
func PIDPath(stateDir string) string    { return filepath.Join(stateDir, "supervisor.pid") }

func lockPath(stateDir string) string { return filepath.Join(stateDir, "supervisor.lock") }

// The requests of the protocol.
const (
	opPing    = "ping"
	opStatus  = "status"
	opEvents  = "events"
	opStop    = "stop"
	opRestart = "restart"
	opStopOne = "stop-worker"
)

type request struct {
	Op   string `json:"op"`
	Name string `json:"name,omitempty"`
}

type response struct {
	OK     bool         `json:"ok,omitempty"`
	Error  string       `json:"error,omitempty"`
	PID    int          `json:"pid,omitempty"`
	Status []Status     `json:"status,omitempty"`
	Event  *event.Event `json:"event,omitempty"`
}

const (
	// requestTimeout bounds reading a request and writing one response, so
	// that a stuck client costs a goroutine for a while, not for ever.
	requestTimeout = 10 * time.Second
	// maxSocketPath is the shortest sun_path limit (macOS: 104 bytes).
	maxSocketPath = 103
)

// LockDaemon takes the workspace's daemon lock, so that two `crispify -d`
// cannot both start a daemon: the daemon process calls it first, before it
// starts any worker, and holds it until it exits. It fails with
// ErrDaemonRunning while another process holds it. The operating system
// drops the lock when its holder dies (flock on unix, LockFileEx on
// windows), so a crash never leaves it stale.
func LockDaemon(stateDir string) (release func(), err error) {
	release, err = lockfile.TryLock(lockPath(stateDir))
	if errors.Is(err, lockfile.ErrLocked) {
		if pid, ok := readPID(stateDir); ok {
			return nil, fmt.Errorf("%w (pid %d): crispify status shows it, decrispify stops it", ErrDaemonRunning, pid)
		}
		return nil, fmt.Errorf("%w: crispify status shows it, decrispify stops it", ErrDaemonRunning)
	}
	if err != nil {
		return nil, fmt.Errorf("lock the daemon: %w", err)
	}
	return release, nil
}

// Serve serves the daemon's socket until ctx ends or a Stop request
// succeeded. It writes the pid file, and removes it and the socket on
// return. It refuses, with ErrDaemonRunning, when a live daemon answers on
// the socket; a socket left by a dead one is replaced.
func Serve(ctx context.Context, stateDir string, h Handler) error {
	sock := SocketPath(stateDir)
	if len(sock) > maxSocketPath {
		return fmt.Errorf("serve %s: the path is %d bytes, more than a unix socket allows (%d): use a workspace with a shorter path", sock, len(sock), maxSocketPath)
	}
	if c, err := Dial(ctx, stateDir); err == nil {
		return fmt.Errorf("serve %s: %w (pid %d)", sock, ErrDaemonRunning, c.PID())
	}
	if err := os.MkdirAll(stateDir, 0o755); err != nil {
		return fmt.Errorf("serve %s: %w", sock, err)
	}
	// The pid file comes before the socket: a client that finds a socket
	// not answering yet then sees a live pid and leaves the files alone.
	pidFile := PIDPath(stateDir)
	if err := os.WriteFile(pidFile, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		return fmt.Errorf("serve %s: write %s: %w", sock, pidFile, err)
	}
	defer removePIDFile(stateDir)
	os.Remove(sock)
	ln, err := net.Listen("unix", sock)
	if err != nil {
		return fmt.Errorf("serve %s: %w", sock, err)
	}
	defer os.Remove(sock)
	os.Chmod(sock, 0o600) // only the user may stop their workers

	ctx, cancel := context.WithCancel(ctx)
	stopListening := context.AfterFunc(ctx, func() { ln.Close() })
	defer stopListening()
	var conns sync.WaitGroup
	defer func() {
		cancel() // ends the connections still open: event streams
		conns.Wait()
	}()
	for {
		conn, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("serve %s: %w", sock, err)
		}
		conns.Go(func() { serveConn(ctx, conn, h, cancel) })
	}
}

// removePIDFile removes the pid file if it is still this process's.
func removePIDFile(stateDir string) {
	if pid, ok := readPID(stateDir); ok && pid == os.Getpid() {
		os.Remove(PIDPath(stateDir))
	}
}

func readPID(stateDir string) (int, bool) {
	b, err := os.ReadFile(PIDPath(stateDir))
	if err != nil {
		return 0, false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	return pid, err == nil && pid > 0
}

// serveConn answers one request. A successful stop calls stopped, which
// ends Serve, after the answer is written.
func serveConn(ctx context.Context, conn net.Conn, h Handler, stopped func()) {
	defer conn.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Serve ending closes the connection, which ends an event stream.
	defer context.AfterFunc(ctx, func() { conn.Close() })()

	conn.SetReadDeadline(time.Now().Add(requestTimeout))
	br := bufio.NewReader(conn)
	line, err := br.ReadBytes('\n')
	if err != nil {
		return
	}
	conn.SetReadDeadline(time.Time{})
	var mu sync.Mutex // a Handler may send from several goroutines
	enc := json.NewEncoder(conn)
	send := func(r response) error {
		mu.Lock()
		defer mu.Unlock()
		conn.SetWriteDeadline(time.Now().Add(requestTimeout))
		return enc.Encode(r)
	}
	result := func(err error) response {
		if err != nil {
			return response{Error: err.Error()}
		}
		return response{OK: true}
	}
	var req request
	if err := json.Unmarshal(line, &req); err != nil {
		send(response{Error: fmt.Sprintf("bad request: %v", err)})
		return
	}
	switch req.Op {
	case opPing:
		send(response{OK: true, PID: os.Getpid()})
	case opStatus:
		send(response{OK: true, Status: h.Status()})
	case opRestart:
		send(result(h.Restart(ctx, req.Name)))
	case opStopOne:
		send(result(h.StopWorker(ctx, req.Name)))
	case opStop:
		err := h.Stop(ctx)
		send(result(err))
		if err == nil {
			stopped()
		}
	case opEvents:
		// The client says nothing more; its hanging up ends the stream.
		go func() {
			io.Copy(io.Discard, br)
			cancel()
		}()
		err := h.Events(ctx, func(e event.Event) error { return send(response{Event: &e}) })
		if err != nil && ctx.Err() == nil {
			send(response{Error: err.Error()})
		}
	default:
		send(response{Error: fmt.Sprintf("unknown request %q: is the daemon an older crispify? stop it with decrispify", req.Op)})
	}
}
