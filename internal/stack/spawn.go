package stack

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	tracing "github.com/crispify/crispify/internal/trace"
)

// DaemonArg is the hidden command of crispify's binary that runs the
// background supervisor: a Boot kept as a Daemon.
const DaemonArg = "__daemon"

// daemonArgv is the command line of the background supervisor of st: this
// binary's DaemonArg, on the same manifest, workspace and project, and with
// -v when this boot traces (its git commands and Docker calls, into its
// log).
func daemonArgv(ctx context.Context, st *Stack) ([]string, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("start the background supervisor: find crispify's own binary: %w", err)
	}
	file, err := filepath.Abs(st.Manifest.File)
	if err != nil {
		file = st.Manifest.File
	}
	argv := []string{exe, DaemonArg, "--file", file, "--workspace", st.Manifest.WorkspaceDir, "--project", st.Manifest.Project}
	if tracing.From(ctx) != nil {
		argv = append(argv, "-v")
	}
	return argv, nil
}

// spawn starts the background supervisor of st (daemonArgv), in a session
// of its own so that the terminal's Ctrl-C and hang-up do not reach it,
// its output appended to its log, and waits until it answers on its
// socket. If it exits first, its log says why.
func (st *Stack) spawn(ctx context.Context) (*Client, error) {
	argv, err := daemonArgv(ctx, st)
	if err != nil {
		return nil, err
	}
	f := filesOf(st.Manifest)
	logPath := f.supervisorLog()
	if err := os.MkdirAll(filepath.Dir(logPath), 0o700); err != nil {
		return nil, fmt.Errorf("start the background supervisor: %w", err)
	}
	// Its own output (a crash, a panic) goes here too; its events are
	// written by the supervisor itself, rotated.
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("start the background supervisor: %w", err)
	}
	defer logFile.Close()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Dir = st.Manifest.Dir
	detachProcess(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the background supervisor (%s): %w", argv[0], err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.After(30 * time.Second)
	for {
		c, err := st.Dial(ctx)
		if err == nil {
			return c, nil
		}
		if !errors.Is(err, ErrNotRunning) {
			return nil, err
		}
		select {
		case err := <-exited:
			return nil, fmt.Errorf("the background supervisor exited before it was up (%s); its log, %s, ends with:\n%s",
				exitedHow(err), logPath, tailOf(logPath, 15))
		case <-deadline:
			return nil, fmt.Errorf("the background supervisor (pid %d) did not answer on %s within 30s: see %s", cmd.Process.Pid, f.socket(), logPath)
		case <-ctx.Done():
			cmd.Process.Signal(os.Interrupt)
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// exitedHow says how a supervisor that was never up ended: with an error
// (its exit status), or cleanly, which only a stop asked for does: a
// decrispify, or a signal, that reached it first.
func exitedHow(err error) string {
	if err != nil {
		return err.Error()
	}
	return "exit status 0: it was stopped, by decrispify or a signal, before this boot reached it"
}

// tailOf returns the last n lines of a file, for error messages.
func tailOf(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return "  (unreadable: " + err.Error() + ")"
	}
	if len(data) > 64<<10 {
		data = data[len(data)-64<<10:]
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	return "  " + strings.Join(lines[max(0, len(lines)-n):], "\n  ")
}

// SupervisorLog is the log of the project's detached supervisor.
func (st *Stack) SupervisorLog() string { return filesOf(st.Manifest).supervisorLog() }
