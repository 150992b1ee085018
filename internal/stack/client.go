package stack

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"syscall"
	"time"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/lockfile"
	tracing "github.com/crispify/crispify/internal/trace"
	"github.com/crispify/crispify/internal/workers"
)

// ErrNotRunning says no supervisor runs for the project in its workspace:
// nothing listens on its socket.
var ErrNotRunning = errors.New("no crispify supervisor runs for this project")

// SupervisorError says something listens on the project's socket but does
// not answer as a supervisor: it is stopped (Ctrl-Z), hung, or not
// crispify's. Its workers may well run: nothing can be said of them.
type SupervisorError struct {
	PID    int // from the pid file; 0 when unknown
	Socket string
	// What it did: "does not answer within 5s", "answered ...".
	What string
	// Stopped says the process is stopped by job control.
	Stopped bool
}

func (e *SupervisorError) Error() string {
	who := "the supervisor"
	if e.PID > 0 {
		who = fmt.Sprintf("the supervisor (pid %d)", e.PID)
	}
	msg := fmt.Sprintf("%s %s on %s", who, e.What, e.Socket)
	switch {
	case e.Stopped:
		return msg + fmt.Sprintf(": it is stopped (Ctrl-Z in its terminal?): `fg` it there, or `kill -CONT %d`", e.PID)
	case e.PID > 0:
		return msg + fmt.Sprintf(": if it is hung, decrispify ends it (or `kill %d`)", e.PID)
	}
	return msg + ": is it crispify's? remove the socket if nothing should be there"
}

// maxReply bounds one line of the protocol read from the supervisor: a
// status of forty workers is a few kilobytes, and a socket that streams
// garbage must not fill the memory.
const maxReply = 4 << 20

var errReplyTooLong = fmt.Errorf("a line of more than %d MiB", maxReply>>20)

// Client talks to a running supervisor.
type Client struct {
	files files
	pid   int
	// inTerminal: the supervisor is a foreground crispify.
	inTerminal bool
	// protocol and version: what the supervisor said of itself.
	protocol int
	version  string
}

// dial connects to the project's supervisor; ErrNotRunning when none runs.
// A socket and pid file left by a dead one are removed, but only under the
// supervisor lock: a supervisor still binding its socket holds the lock,
// and its files are left alone.
func dial(ctx context.Context, f files) (*Client, error) {
	c := &Client{files: f}
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	resp, err := c.call(ctx, request{Op: opPing})
	if errors.Is(err, ErrNotRunning) {
		cleanStale(f)
		return nil, ErrNotRunning
	}
	if err == nil && (!resp.OK || resp.PID <= 0) {
		err = c.wrong(fmt.Sprintf("answered a ping without its pid (%.60q), which is not crispify's protocol", resp.Error))
	}
	if err != nil {
		if parent.Err() != nil {
			return nil, parent.Err() // the caller gave up, not the supervisor
		}
		return nil, c.unanswered(err)
	}
	c.pid, c.inTerminal = resp.PID, resp.InTerminal
	c.protocol, c.version = resp.Protocol, resp.Version
	return c, nil
}

// unanswered is the error of a socket that did not answer as a supervisor,
// with the supervisor's pid, read from its pid file.
func (c *Client) unanswered(err error) error {
	var se *SupervisorError
	if errors.As(err, &se) {
		return se
	}
	what := "cannot be asked: " + err.Error()
	if errors.Is(err, context.DeadlineExceeded) {
		what = fmt.Sprintf("does not answer within %s", dialTimeout)
	}
	return c.wrong(what)
}

// wrong is a SupervisorError of the socket c talks to.
func (c *Client) wrong(what string) *SupervisorError {
	pid := c.pid
	if pid == 0 {
		pid, _ = c.files.readPID()
	}
	if pid > 0 && !workers.ProcessAlive(pid) {
		pid = 0 // a stale pid file names nobody
	}
	return &SupervisorError{PID: pid, Socket: c.files.socket(), What: what, Stopped: pid > 0 && workers.ProcessStopped(pid)}
}

// cleanStale removes the files of a supervisor that is gone; while the
// lock is held, a supervisor lives (maybe still starting) and they stay.
func cleanStale(f files) { withFreeLock(f, f.removeLive) }

// PID is the supervisor's process id.
func (c *Client) PID() int { return c.pid }

// InTerminal says the supervisor is a foreground crispify (in another
// terminal), not a detached one.
func (c *Client) InTerminal() bool { return c.inTerminal }

// Status returns where every worker of the supervisor stands. A
// supervisor that answered its ping and then does not answer this within
// dialTimeout is a SupervisorError too.
func (c *Client) Status(ctx context.Context) ([]workers.Status, error) {
	ctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	resp, err := c.call(ctx, request{Op: opStatus})
	var se *SupervisorError
	switch {
	case err == nil:
		return resp.Status, nil
	case errors.As(err, &se), errors.Is(err, context.DeadlineExceeded):
		return nil, c.unanswered(err)
	}
	return nil, fmt.Errorf("ask the supervisor for the workers' status: %w", err)
}

// Restart restarts workers or containers by name, as by hand; kind "" is
// whichever has the name.
func (c *Client) Restart(ctx context.Context, kind event.Kind, names ...string) error {
	if _, err := c.call(ctx, request{Op: opRestart, Kind: kind, Names: names}); err != nil {
		return fmt.Errorf("ask the supervisor to restart %s: %w", words(names), err)
	}
	return nil
}

// Stop stops workers or containers by name; the rest of the stack and the
// supervisor go on.
func (c *Client) Stop(ctx context.Context, kind event.Kind, names ...string) error {
	if _, err := c.call(ctx, request{Op: opStop, Kind: kind, Names: names}); err != nil {
		return fmt.Errorf("ask the supervisor to stop %s: %w", words(names), err)
	}
	return nil
}

// Watch turns watching of the named workers' files on or off.
func (c *Client) Watch(ctx context.Context, on bool, names ...string) error {
	if _, err := c.call(ctx, request{Op: opWatch, Names: names, On: on}); err != nil {
		return fmt.Errorf("ask the supervisor to watch %s: %w", words(names), err)
	}
	return nil
}

// Down has the supervisor stop every worker and exit; it returns once the
// supervisor is gone (or ctx ends): its process ended, or it let go of the
// project's lock. A foreground crispify lets go and keeps its board up,
// saying the run ended, until its user quits it: that is no reason to wait.
func (c *Client) Down(ctx context.Context) error {
	if _, err := c.call(ctx, request{Op: opDown}); err != nil {
		return fmt.Errorf("ask the supervisor to stop: %w", err)
	}
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		_, err := c.call(ctx, request{Op: opPing})
		gone := errors.Is(err, ErrNotRunning) && (!workers.ProcessAlive(c.pid) || lockFree(c.files))
		if gone {
			return nil
		}
		select {
		case <-t.C:
		case <-ctx.Done():
			return fmt.Errorf("wait for the supervisor (pid %d) to exit: %w", c.pid, ctx.Err())
		}
	}
}

// Events calls fn with the supervisor's events: the current state of
// every item, then live ones. It returns nil when the supervisor ends the
// stream (it stopped), ctx's error when ctx ends.
func (c *Client) Events(ctx context.Context, fn func(event.Event)) error {
	_, err := c.stream(ctx, request{Op: opEvents}, fn)
	if err != nil && ctx.Err() == nil {
		return fmt.Errorf("follow the supervisor's events: %w", err)
	}
	return err
}

// Apply has the supervisor apply req to the running stack, calling fn with
// the apply's events as they happen, and returns its result. ctx ending
// cancels the apply: what it already changed stays.
func (c *Client) Apply(ctx context.Context, req Request, fn func(event.Event)) (Result, error) {
	req.Verbose = req.Verbose || tracing.From(ctx) != nil
	resp, err := c.stream(ctx, request{Op: opApply, Apply: &req}, fn)
	if err != nil {
		if resp.Result != nil && ctx.Err() == nil {
			return *resp.Result, err // the apply ran, and failed
		}
		return Result{}, err
	}
	if resp.Result == nil {
		return Result{}, errors.New("the supervisor ended the apply without its result: see its log")
	}
	return *resp.Result, nil
}

// stream sends req and calls fn with each event until the last response,
// which it returns; a response carrying an error is returned with it.
func (c *Client) stream(ctx context.Context, req request, fn func(event.Event)) (response, error) {
	if err := c.speaks(req.Op); err != nil {
		return response{}, err
	}
	conn, err := c.open(ctx, req)
	if err != nil {
		return response{}, err
	}
	defer conn.Close()
	defer context.AfterFunc(ctx, func() { conn.Close() })()
	br := bufio.NewReader(conn)
	tracer := tracing.From(ctx)
	for {
		resp, err := c.read(br)
		if err != nil {
			if ctx.Err() != nil {
				return response{}, ctx.Err()
			}
			if errors.Is(err, io.EOF) {
				return response{}, nil
			}
			return response{}, err
		}
		if resp.Event != nil {
			fn(*resp.Event)
			continue
		}
		if resp.Trace != "" {
			tracer.Relay(resp.Trace)
			continue
		}
		if resp.Error != "" {
			return resp, errors.New(resp.Error)
		}
		return resp, nil
	}
}

// call sends one request and reads its one response; a response carrying
// an error is returned as one. A socket nobody answers on is ErrNotRunning.
func (c *Client) call(ctx context.Context, req request) (response, error) {
	if err := c.speaks(req.Op); err != nil {
		return response{}, err
	}
	conn, err := c.open(ctx, req)
	if err != nil {
		return response{}, err
	}
	defer conn.Close()
	defer context.AfterFunc(ctx, func() { conn.Close() })()
	resp, err := c.read(bufio.NewReader(conn))
	if err != nil {
		if ctx.Err() != nil {
			return response{}, ctx.Err()
		}
		if errors.Is(err, io.EOF) {
			return response{}, c.wrong("hung up without answering")
		}
		return response{}, err
	}
	if resp.Error != "" {
		return resp, errors.New(resp.Error)
	}
	return resp, nil
}

// read reads one response, one line of at most maxReply bytes: a line
// that is longer, or is not JSON, is a SupervisorError saying what came.
func (c *Client) read(br *bufio.Reader) (response, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(line)+len(chunk) > maxReply {
			return response{}, c.wrong("sent " + errReplyTooLong.Error() + ", which is not crispify's protocol")
		}
		line = append(line, chunk...)
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil {
			if errors.Is(err, io.EOF) && len(line) == 0 {
				return response{}, io.EOF
			}
			if errors.Is(err, io.EOF) {
				return response{}, c.wrong(fmt.Sprintf("hung up in the middle of an answer (%.40q)", line))
			}
			return response{}, fmt.Errorf("read the supervisor's answer: %w", err)
		}
		break
	}
	var resp response
	if err := json.Unmarshal(line, &resp); err != nil {
		return response{}, c.wrong(fmt.Sprintf("answered %.40q, which is not crispify's protocol", line))
	}
	return resp, nil
}

// open connects and sends req.
func (c *Client) open(ctx context.Context, req request) (net.Conn, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", c.files.socket())
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		// No socket, or nobody listening on it: either way, no supervisor.
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ECONNREFUSED) {
			return nil, ErrNotRunning
		}
		// A socket that cannot be reached (not ours, say): something is
		// there, and whether workers run cannot be told.
		return nil, c.wrong("cannot be reached: " + err.Error())
	}
	b, _ := json.Marshal(req)
	if deadline, ok := ctx.Deadline(); ok {
		conn.SetWriteDeadline(deadline)
	}
	if _, err := conn.Write(append(b, '\n')); err != nil {
		conn.Close()
		return nil, fmt.Errorf("send %s to the supervisor: %w", req.Op, err)
	}
	conn.SetWriteDeadline(time.Time{})
	return conn, nil
}

// lockFree reports whether no process holds the project's supervisor lock.
func lockFree(f files) bool { return withFreeLock(f, func() {}) }

// withFreeLock runs fn holding the project's supervisor lock, if no one
// holds it, and says whether it did.
func withFreeLock(f files, fn func()) bool {
	release, err := lockfile.TryLock(f.lock())
	if err != nil {
		return false
	}
	defer release()
	fn()
	return true
}
