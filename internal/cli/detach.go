package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/manifest"
	"github.com/crispify/crispify/internal/workers"
)

// daemonCommand is the hidden command a detached boot runs in the
// background: the same boot, serving the supervisor socket.
const daemonCommand = "__daemon"

// detachRun starts the background supervisor, shows its boot as it
// happens, and returns once everything is up (0) or something failed (1).
// The supervisor keeps the workers either way, as a foreground run would.
func detachRun(ctx context.Context, opts *LocalOptions, m *manifest.Manifest, sel selection) error {
	io := opts.Deps.IO
	daemon, err := startDaemon(opts, m)
	if err != nil {
		return failed(err)
	}
	client, err := attach(ctx, m, daemon)
	if err != nil {
		return err
	}

	q := event.NewQueue()
	evCtx, stopEvents := context.WithCancel(ctx)
	defer stopEvents()
	ctrl := &controller{quit: cancelOnQuit(stopEvents), workers: clientControl{client}}
	out, err := opts.Global.startStreamFrom(evCtx, io, m, &screen{services: sel.services, infra: sel.infra, workers: sel.workers(m), ctrl: ctrl}, q)
	if err != nil {
		return err
	}
	var end event.Event
	go func() {
		defer q.Close()
		client.Events(evCtx, func(e event.Event) {
			q.Emit(e)
			if e.Kind == event.Stack && e.Phase.Final() {
				end = e
				stopEvents() // the boot is over: leave the rest to the supervisor
			}
		})
	}()
	<-evCtx.Done()
	renderErr := out.Close()

	if end.Phase == "" { // interrupted before the boot ended: stop it all
		if err := client.Stop(context.WithoutCancel(ctx)); err != nil {
			fmt.Fprintf(io.ErrOut, "crispify: stop the background supervisor: %v\n", err)
		}
		return errInterrupted
	}
	if out.mode != OutputJSON {
		fmt.Fprintf(io.ErrOut, "crispify: the stack runs in the background (supervisor pid %d): `crispify status`, `crispify logs -f`, `decrispify` to stop it\n", client.PID())
	}
	if end.Phase == event.Failed {
		return failed(errors.New(strings.TrimSpace(end.Error)))
	}
	return renderErr
}

// startDaemon starts `crispify __daemon` with the same selection, in a
// session of its own so that the terminal's Ctrl-C and hang-up do not reach
// it, writing its own log.
func startDaemon(opts *LocalOptions, m *manifest.Manifest) (*exec.Cmd, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("start the background supervisor: find crispify's own binary: %w", err)
	}
	logDir := filepath.Join(m.StateDir(), "logs")
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		return nil, fmt.Errorf("start the background supervisor: %w", err)
	}
	logFile, err := os.OpenFile(filepath.Join(logDir, "supervisor.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("start the background supervisor: %w", err)
	}
	defer logFile.Close()
	args := []string{daemonCommand, "--file", m.File, "--workspace", m.WorkspaceDir, "--mode", string(opts.Mode), "--git", opts.Backend}
	if opts.Profile != "" {
		args = append(args, "--profile", opts.Profile)
	}
	cmd := exec.Command(exe, append(args, opts.Names...)...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Dir = m.Dir
	detachProcess(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the background supervisor (%s): %w", exe, err)
	}
	return cmd, nil
}

// attach waits until the supervisor answers on its socket. If it exits
// first, its log says why.
func attach(ctx context.Context, m *manifest.Manifest, daemon *exec.Cmd) (*workers.Client, error) {
	exited := make(chan error, 1)
	go func() { exited <- daemon.Wait() }()
	deadline := time.After(30 * time.Second)
	for {
		client, err := workers.Dial(ctx, m.StateDir())
		if err == nil {
			return client, nil
		}
		select {
		case err := <-exited:
			return nil, failed(fmt.Errorf("the background supervisor exited before it was up (%v); its log, %s, ends with:\n%s",
				err, supervisorLog(m), tail(supervisorLog(m), 15)))
		case <-deadline:
			return nil, failed(fmt.Errorf("the background supervisor (pid %d) did not answer on %s within 30s: see %s", daemon.Process.Pid, workers.SocketPath(m.StateDir()), supervisorLog(m)))
		case <-ctx.Done():
			daemon.Process.Signal(os.Interrupt)
			return nil, errInterrupted
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func supervisorLog(m *manifest.Manifest) string {
	return filepath.Join(m.StateDir(), "logs", "supervisor.log")
}

// tail returns the last n lines of a file, for error messages.
func tail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return "  (unreadable: " + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	return "  " + strings.Join(lines[max(0, len(lines)-n):], "\n  ")
}

// clientControl acts on the workers of a detached supervisor.
type clientControl struct{ c *workers.Client }

func (cc clientControl) Restart(ctx context.Context, name string) error {
	return cc.c.Restart(ctx, name)
}

func (cc clientControl) Stop(ctx context.Context, name string) error {
	return cc.c.StopWorker(ctx, name)
}
