package stack

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"

	"github.com/crispify/crispify/internal/build"
	"github.com/crispify/crispify/internal/event"
	tracing "github.com/crispify/crispify/internal/trace"
	"github.com/crispify/crispify/internal/workers"
)

// handler is what the supervisor does for its clients.
type handler interface {
	// events replays the current state of every item, then sends live
	// events until ctx ends. send fails once the client is gone.
	events(ctx context.Context, send func(event.Event) error) error
	status() []workers.Status
	// apply applies a boot request, sending its events as they happen;
	// ctx ends when the client hangs up, which cancels it.
	apply(ctx context.Context, req Request, send func(event.Event) error) (Result, error)
	stop(ctx context.Context, kind event.Kind, names []string) error
	restart(ctx context.Context, kind event.Kind, names []string) error
	// watchNames turns watching of workers' files on or off.
	watchNames(ctx context.Context, names []string, on bool) error
	// down stops every worker; serving ends after the answer.
	down(ctx context.Context) error
	// inTerminal says this is a foreground crispify, not a detached one.
	inTerminal() bool
}

// listen binds the socket of f, after writing the pid file. Its caller
// holds the supervisor lock: the files are its own to replace, and
// serveOn removes them when it returns.
func listen(f files) (net.Listener, error) {
	if err := f.checkSocketPath(); err != nil {
		return nil, err
	}
	// The pid file comes before the socket: a client that finds a socket
	// not answering yet then sees a live pid and waits.
	if err := f.writePID(); err != nil {
		return nil, fmt.Errorf("serve %s: write %s: %w", f.socket(), f.pid(), err)
	}
	os.Remove(f.socket())
	ln, err := net.Listen("unix", f.socket())
	if err != nil {
		os.Remove(f.pid())
		return nil, fmt.Errorf("serve %s: %w", f.socket(), err)
	}
	os.Chmod(f.socket(), 0o600) // only the user may stop their workers
	return ln, nil
}

// serveOn answers on ln until ctx ends or a down request succeeded, then
// removes the socket and pid file and calls ended.
func serveOn(ctx context.Context, ln net.Listener, f files, h handler, ended func()) error {
	defer ended()
	defer f.removeLive()
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
			return fmt.Errorf("serve %s: %w", f.socket(), err)
		}
		conns.Go(func() { serveConn(ctx, conn, h, cancel) })
	}
}

// serveConn answers one request. A successful down calls stopped, which
// ends serve, after the answer is written.
func serveConn(ctx context.Context, conn net.Conn, h handler, stopped func()) {
	defer conn.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Serving ending closes the connection, which ends a stream.
	defer context.AfterFunc(ctx, func() { conn.Close() })()

	conn.SetReadDeadline(time.Now().Add(requestTimeout))
	br := bufio.NewReader(conn)
	line, err := br.ReadBytes('\n')
	if err != nil {
		return
	}
	conn.SetReadDeadline(time.Time{})
	var mu sync.Mutex // a handler may send from several goroutines
	enc := json.NewEncoder(conn)
	send := func(r response) error {
		mu.Lock()
		defer mu.Unlock()
		conn.SetWriteDeadline(time.Now().Add(requestTimeout))
		return enc.Encode(r)
	}
	sendEvent := func(e event.Event) error { return send(response{Event: &e}) }
	result := func(err error) response {
		if err != nil {
			return response{Error: err.Error()}
		}
		return response{OK: true}
	}
	// A stream's client says nothing more; its hanging up ends the stream.
	hangup := func() {
		go func() {
			io.Copy(io.Discard, br)
			cancel()
		}()
	}
	var req request
	if err := json.Unmarshal(line, &req); err != nil {
		send(response{Error: fmt.Sprintf("bad request: %v", err)})
		return
	}
	switch req.Op {
	case opPing:
		send(response{OK: true, PID: os.Getpid(), InTerminal: h.inTerminal(), Protocol: protocolVersion, Version: build.Version()})
	case opStatus:
		send(response{OK: true, Status: h.status()})
	case opQueues:
		if r, ok := h.(queueReporter); ok {
			send(response{OK: true, Queues: r.queueStates(ctx)})
		} else {
			send(response{OK: true})
		}
	case opStop:
		send(result(h.stop(ctx, req.Kind, req.Names)))
	case opRestart:
		send(result(h.restart(ctx, req.Kind, req.Names)))
	case opWatch:
		send(result(h.watchNames(ctx, req.Names, req.On)))
	case opDown:
		err := h.down(ctx)
		send(result(err))
		if err == nil {
			stopped()
		}
	case opEvents:
		hangup()
		if err := h.events(ctx, sendEvent); err != nil && ctx.Err() == nil {
			send(response{Error: err.Error()})
		}
	case opApply:
		if req.Apply == nil {
			send(response{Error: "bad request: apply without its request"})
			return
		}
		hangup()
		var traced *tracedLines
		if req.Apply.Verbose {
			traced = traceTo(ctx, send)
			ctx = tracing.Also(ctx, traced)
		}
		res, err := h.apply(ctx, *req.Apply, sendEvent)
		traced.close() // its lines before the result
		r := response{OK: err == nil, Result: &res}
		if err != nil {
			r.Error = err.Error()
		}
		send(r)
	default:
		send(response{Error: fmt.Sprintf("unknown request %q: is the supervisor an older crispify? stop it with decrispify", req.Op)})
	}
}

// tracedLines sends the lines of an apply's -v trace to its client, from a
// goroutine of its own: the apply never waits on the client. Lines beyond
// what the buffer holds are dropped, and counted at the end.
type tracedLines struct {
	lines chan string
	done  chan struct{}

	mu      sync.Mutex
	closed  bool
	dropped int
}

// traceBuffer is how many trace lines may wait for a slow client.
const traceBuffer = 1024

func traceTo(ctx context.Context, send func(response) error) *tracedLines {
	t := &tracedLines{lines: make(chan string, traceBuffer), done: make(chan struct{})}
	go func() {
		defer close(t.done)
		gone := false
		for line := range t.lines {
			gone = gone || ctx.Err() != nil || send(response{Trace: line}) != nil
		}
	}()
	return t
}

// Write takes one trace line (the tracer writes each in one call); once
// the apply has ended, lines are dropped.
func (t *tracedLines) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return len(p), nil
	}
	select {
	case t.lines <- string(p):
	default:
		t.dropped++
	}
	return len(p), nil
}

// close sends what is left, then stops; nil does nothing.
func (t *tracedLines) close() {
	if t == nil {
		return
	}
	t.mu.Lock()
	if t.dropped > 0 {
		select {
		case t.lines <- fmt.Sprintf("crispify -v (%d trace lines dropped: this terminal read them too slowly)", t.dropped):
		default:
		}
	}
	t.closed = true
	close(t.lines)
	t.mu.Unlock()
	<-t.done
}
