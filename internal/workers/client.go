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
	"time"

	"github.com/crispify/crispify/internal/event"
)

// dialTimeout bounds connecting to the daemon and its first answer: a
// daemon that does not answer that fast is hung.
const dialTimeout = 5 * time.Second

// Client talks to a running daemon.
type Client struct {
	sock string
	pid  int
}

// Dial connects to the workspace's daemon; ErrNoDaemon when none runs. A
// socket and pid file left by a dead daemon count as none, and are removed.
func Dial(ctx context.Context, stateDir string) (*Client, error) {
	c := &Client{sock: SocketPath(stateDir)}
	ctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	resp, err := c.call(ctx, request{Op: opPing})
	if errors.Is(err, ErrNoDaemon) {
		cleanStale(stateDir)
		return nil, ErrNoDaemon
	}
	if err != nil {
		return nil, fmt.Errorf("ask the daemon at %s: %w: if it is hung, end it (its pid is in %s)", c.sock, err, PIDPath(stateDir))
	}
	c.pid = resp.PID
	return c, nil
}

// DaemonPID returns the pid of the workspace's live daemon, if one runs.
func DaemonPID(stateDir string) (int, bool) {
	c, err := Dial(context.Background(), stateDir)
	if err != nil {
		return 0, false
	}
	return c.pid, true
}

// cleanStale removes the socket and pid file of a daemon that is gone,
// unless the pid file names a live process: a daemon that has not bound its
// socket yet.
func cleanStale(stateDir string) {
	if pid, ok := readPID(stateDir); ok && processAlive(pid) {
		return
	}
	os.Remove(SocketPath(stateDir))
	os.Remove(PIDPath(stateDir))
}

// PID is the daemon's process id.
func (c *Client) PID() int { return c.pid }

// Status returns where every worker of the daemon stands.
func (c *Client) Status(ctx context.Context) ([]Status, error) {
	resp, err := c.call(ctx, request{Op: opStatus})
	if err != nil {
		return nil, fmt.Errorf("ask the daemon for the workers' status: %w", err)
	}
	return resp.Status, nil
}

// Restart restarts a worker of the daemon, as by hand.
func (c *Client) Restart(ctx context.Context, name string) error {
	if _, err := c.call(ctx, request{Op: opRestart, Name: name}); err != nil {
		return fmt.Errorf("ask the daemon to restart %s: %w", name, err)
	}
	return nil
}

// StopWorker has the daemon stop one worker, as by hand; the others and the
// daemon go on.
func (c *Client) StopWorker(ctx context.Context, name string) error {
	if _, err := c.call(ctx, request{Op: opStopOne, Name: name}); err != nil {
		return fmt.Errorf("ask the daemon to stop %s: %w", name, err)
	}
	return nil
}

// Stop has the daemon stop every worker and exit; it returns once the
// daemon is gone (or ctx ends).
func (c *Client) Stop(ctx context.Context) error {
	if _, err := c.call(ctx, request{Op: opStop}); err != nil {
		return fmt.Errorf("ask the daemon to stop: %w", err)
	}
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		_, err := c.call(ctx, request{Op: opPing})
		// A daemon in this very process (tests) cannot be waited for.
		gone := errors.Is(err, ErrNoDaemon) && (c.pid == os.Getpid() || !processAlive(c.pid))
		if gone {
			return nil
		}
		select {
		case <-t.C:
		case <-ctx.Done():
			return fmt.Errorf("wait for the daemon (pid %d) to exit: %w", c.pid, ctx.Err())
		}
	}
}

// Events calls fn with the daemon's events: the current state of every
// item, then live ones. It returns nil when the daemon ends the stream (it
// stopped), ctx's error when ctx ends.
func (c *Client) Events(ctx context.Context, fn func(event.Event)) error {
	conn, err := c.open(ctx, request{Op: opEvents})
	if err != nil {
		return fmt.Errorf("follow the daemon's events: %w", err)
	}
	defer conn.Close()
	defer context.AfterFunc(ctx, func() { conn.Close() })()
	dec := json.NewDecoder(bufio.NewReader(conn))
	for {
		var resp response
		if err := dec.Decode(&resp); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("follow the daemon's events: %w", err)
		}
		if resp.Error != "" {
			return fmt.Errorf("follow the daemon's events: %s", resp.Error)
		}
		if resp.Event != nil {
			fn(*resp.Event)
		}
	}
}

// call sends one request and reads its one response; a response carrying an
// error is returned as one. A socket nobody answers on is ErrNoDaemon.
func (c *Client) call(ctx context.Context, req request) (response, error) {
	conn, err := c.open(ctx, req)
	if err != nil {
		return response{}, err
	}
	defer conn.Close()
	defer context.AfterFunc(ctx, func() { conn.Close() })()
	var resp response
	if err := json.NewDecoder(conn).Decode(&resp); err != nil {
		if ctx.Err() != nil {
			return response{}, ctx.Err()
		}
		return response{}, fmt.Errorf("read the daemon's answer: %w", err)
	}
	if resp.Error != "" {
		return resp, errors.New(resp.Error)
	}
	return resp, nil
}

// open connects and sends req.
func (c *Client) open(ctx context.Context, req request) (net.Conn, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", c.sock)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		// No socket, or nobody listening on it: either way, no daemon.
		return nil, ErrNoDaemon
	}
	b, _ := json.Marshal(req)
	if deadline, ok := ctx.Deadline(); ok {
		conn.SetWriteDeadline(deadline)
	}
	if _, err := conn.Write(append(b, '\n')); err != nil {
		conn.Close()
		return nil, fmt.Errorf("send %s to the daemon: %w", req.Op, err)
	}
	conn.SetWriteDeadline(time.Time{})
	return conn, nil
}
