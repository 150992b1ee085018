package workers

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/secret"
	"github.com/crispify/crispify/internal/trace"
)

// Setup is a service's setup: shell commands run in its repo after clone,
// and again when a When file's content changed.
type Setup struct {
	Name     string
	Dir      string
	Commands []string
	// Root is the repo's top, where When files are read; "" is Dir. A
	// service of a monorepo runs its setup in a folder of the repo.
	Root string
	When []string // setup_when files, relative to Root
	// Source, when set and When is empty, is what of the repo shapes the
	// service: the setup runs again whenever it differs from what the
	// last successful setup was built from.
	Source *Source
	// Scope names what Source covers, for the message of a setup that
	// need not run: "cmd/api, internal/shared".
	Scope string
	Env   []string // as Environment composes it; nil: crispify's own
	// Before, when set, runs when the commands are about to run (not when
	// the setup is unchanged); its error fails the setup before any
	// command starts. crispify checks the service's toolchain with it.
	Before func(context.Context) error
}

// SetupHashPath is where the hash of a service's last successful setup is.
func SetupHashPath(stateDir, name string) string {
	return filepath.Join(stateDir, "setup", name+".hash")
}

// SetupRun says whether a setup ran, and why: "package-lock.json
// changed", "first setup here". A restart of the worker says the same.
type SetupRun struct {
	Ran bool
	Why string
}

// RunSetup runs the setup's commands in order, each with sh -c in Dir, when
// it never succeeded here (no hash file: the first run after clone) or when
// the hash over the commands and the When files' contents changed since it
// last did; otherwise it emits Unchanged. Output goes to the service's log
// file and out as Setup events. The hash is written only after every
// command succeeded, so a failed setup runs again next time. Cancelling ctx
// ends the running command's process group.
func RunSetup(ctx context.Context, stateDir string, s Setup, sink event.Sink) (SetupRun, error) {
	if sink == nil {
		sink = event.Discard
	}
	if len(s.Commands) == 0 {
		return SetupRun{}, nil
	}
	emit := func(e event.Event) {
		e.TS, e.Kind, e.Name = time.Now(), event.Setup, s.Name
		sink.Emit(e)
	}
	run, err := runSetup(ctx, stateDir, s, emit)
	if f, ok := err.(*Failure); ok {
		sink.Emit(f.event())
	} else if err != nil {
		emit(event.Event{Phase: event.Failed, Error: err.Error()})
	}
	return run, err
}

func runSetup(ctx context.Context, stateDir string, s Setup, emit func(event.Event)) (SetupRun, error) {
	sum, err := setupHash(ctx, s)
	if ctx.Err() != nil {
		return SetupRun{}, fmt.Errorf("setup %s: %w", s.Name, ctx.Err())
	}
	if err != nil {
		return SetupRun{}, &Failure{Kind: event.Setup, Name: s.Name, What: err.Error(),
			Hint: "setup_when names regular files inside the repo: fix the service's setup_when in the manifest", Err: err}
	}
	hashPath := SetupHashPath(stateDir, s.Name)
	old := readSetupRecord(hashPath)
	why, unchanged := whyRun(ctx, s, old, sum)
	if unchanged != "" {
		if old.sum != sum.sum {
			// Nothing in scope changed, but HEAD moved: compare from the
			// new commit next time. Losing this write costs only a diff.
			_ = os.WriteFile(hashPath, sum.encode(), 0o644)
		}
		emit(event.Event{Phase: event.Unchanged, Msg: unchanged})
		return SetupRun{}, nil
	}
	if s.Before != nil {
		if err := s.Before(ctx); err != nil {
			return SetupRun{}, err
		}
	}
	run := SetupRun{Ran: true, Why: why}
	log, err := openLog(stateDir, s.Name, logMaxSize)
	if err != nil {
		return run, fmt.Errorf("setup %s: %w", s.Name, err)
	}
	defer log.close()
	env := s.Env
	if env == nil {
		env = os.Environ()
	}
	for i, command := range s.Commands {
		emit(event.Event{Phase: event.Running, Progress: event.Fraction(float64(i) / float64(len(s.Commands))), Msg: secret.MaskCommand(command)})
		if err := runSetupCommand(ctx, s, command, env, log, emit); err != nil {
			return run, err
		}
	}
	if err := os.MkdirAll(filepath.Dir(hashPath), 0o755); err != nil {
		return run, fmt.Errorf("setup %s: record it: %w", s.Name, err)
	}
	if err := os.WriteFile(hashPath, sum.encode(), 0o644); err != nil {
		return run, fmt.Errorf("setup %s: record it in %s: %w", s.Name, hashPath, err)
	}
	emit(event.Event{Phase: event.Done, Progress: event.Fraction(1), Msg: run.Why})
	return run, nil
}

// whyRun says why the setup must run, or (unchanged set) why it need not.
func whyRun(ctx context.Context, s Setup, old, now setupRecord) (why, unchanged string) {
	switch {
	case old.sum == now.sum && len(s.When) > 0:
		return "", "setup_when files unchanged"
	case old.sum == now.sum && s.Source != nil:
		return "", "nothing changed under " + s.scope()
	case old.sum == now.sum:
		return "", "done before"
	case old.sum == "" || len(s.When) > 0 || s.Source == nil:
		return now.changedSince(old), ""
	case old.parts[commandsPart] != now.parts[commandsPart]:
		return "setup commands changed", ""
	}
	files, unknown := sourceChanged(ctx, old, s.Source)
	switch {
	case unknown != "":
		return unknown, ""
	case len(files) == 0:
		return "", "nothing changed under " + s.scope()
	}
	return filesChanged(files), ""
}

func (s Setup) scope() string {
	if s.Scope == "" {
		return "the repo"
	}
	return s.Scope
}

// runSetupCommand runs one command; a *Failure says how it failed.
func runSetupCommand(ctx context.Context, s Setup, command string, env []string, log *logFile, emit func(event.Event)) error {
	// Only the output reader touches t and log until outDone is closed.
	var t tail
	// The command goes in the log above its output, as in a terminal.
	log.writeStamped(LogStamp(time.Now()), "$ "+secret.MaskCommand(command))
	trace.From(ctx).Command(s.Dir, shellCommand(command).Args, nil)
	p, err := startProc(command, s.Dir, env, nil)
	if err != nil {
		return &Failure{Kind: event.Setup, Name: s.Name, What: fmt.Sprintf("could not start `%s`: %v", command, err),
			Hint: fmt.Sprintf("check that %s exists (is the repo cloned?)", s.Dir)}
	}
	go p.follow(func(line string) {
		log.writeStamped(LogStamp(time.Now()), line)
		t.add(line)
		if strings.TrimSpace(line) != "" {
			emit(event.Event{Phase: event.Running, Line: line})
		}
	})
	var stopErr error
	select {
	case <-p.exited:
	case <-ctx.Done():
		stopErr = stopProc(context.Background(), p, DefaultStopTimeout)
		<-p.exited
	}
	// The group goes with its leader, as for workers: a setup must not
	// leave a stray watcher behind.
	if err := stopGroup(context.Background(), p.pid, DefaultStopTimeout); err != nil && stopErr == nil {
		stopErr = err
	}
	p.drainOutput(outputGrace)
	<-p.outDone
	if ctx.Err() != nil {
		return errors.Join(fmt.Errorf("setup %s: `%s` stopped: %w", s.Name, command, ctx.Err()), stopErr)
	}
	if p.state.Success() {
		return nil
	}
	code := exitCode(p.state)
	_, how := describeExit(p.state)
	what := fmt.Sprintf("`%s` %s", command, how)
	hint := fmt.Sprintf("run it by hand in %s to see why; crispify runs setup again next time", s.Dir)
	if permanent(code, time.Since(p.started)) {
		w, h := notRunnable(code, command, "setup")
		what, hint = fmt.Sprintf("`%s`: %s", command, w), h
	}
	return &Failure{Kind: event.Setup, Name: s.Name, What: what, ExitCode: intp(code), Lines: t.last(), Hint: hint}
}
