package workers

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/secret"
)

// Failure is a worker that did not come up or failed for good, or a setup
// command that failed: what happened, the exit code and last lines of the
// process, and what to try. Its Error is the whole story, several lines;
// its first line alone reads as a summary.
type Failure struct {
	Kind     event.Kind // event.Worker or event.Setup
	Name     string     // the service
	What     string     // "exited with code 3 before it was ready"
	ExitCode *int       // nil when the process did not exit (a ready timeout)
	Lines    []string   // the last lines of output, oldest first
	Hint     string     // what to try
	Err      error      // the cause, when an error is one, for errors.Is
}

// Error tells the whole story. The command lines What and Hint may quote
// are masked (secret.MaskCommand): a run: with DB_PASSWORD=... in it is
// shown without the password.
func (f *Failure) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %s", f.Kind, f.Name, secret.MaskCommand(f.What))
	switch len(f.Lines) {
	case 0:
		if f.ExitCode != nil {
			b.WriteString("\nit wrote no output")
		}
	case 1:
		fmt.Fprintf(&b, "\nits last line of output:\n  %s", f.Lines[0])
	default:
		fmt.Fprintf(&b, "\nits last %d lines of output:\n  %s", len(f.Lines), strings.Join(f.Lines, "\n  "))
	}
	if f.Hint != "" {
		fmt.Fprintf(&b, "\ntry: %s", secret.MaskCommand(f.Hint))
	}
	return b.String()
}

// Unwrap returns the cause, if any.
func (f *Failure) Unwrap() error { return f.Err }

// event is the Failed event of f.
func (f *Failure) event() event.Event {
	return event.Event{Kind: f.Kind, Name: f.Name, Phase: event.Failed, ExitCode: f.ExitCode, Error: f.Error()}
}

// notRunnable says what sh's exit 126 or 127 means, and what to do; key
// is the manifest's key the command came from: run or setup.
func notRunnable(code int, command, key string) (what, hint string) {
	if code == 127 {
		return "command not found (sh exited with code 127)",
			fmt.Sprintf("check that the program of `%s` is installed and on PATH, or fix the service's %s: in the manifest", command, key)
	}
	return "command cannot be executed (sh exited with code 126)",
		fmt.Sprintf("check that the program of `%s` is executable (chmod +x) and built for this machine", command)
}

// unrecorded is the failure of a worker process that the state file could
// not take (err), stopped at once for it: a crispify killed then could
// neither end it nor know that it runs. about says which replica.
func unrecorded(name, about, statePath string, err, stopErr error) *Failure {
	what := fmt.Sprintf("%scould not %v; it was stopped at once, since a crispify killed meanwhile could not have ended it", about, err)
	if stopErr != nil {
		what += fmt.Sprintf(" (stopping it: %v)", stopErr)
	}
	dir := filepath.Dir(statePath)
	hint := fmt.Sprintf("check that %s can be written to, then start it again", dir)
	if errors.Is(err, syscall.ENOSPC) {
		hint = fmt.Sprintf("free some space on the disk of %s (df -h %s), then start it again", dir, dir)
	}
	return &Failure{Kind: event.Worker, Name: name, What: what, Hint: hint, Err: errors.Join(err, stopErr)}
}

func intp(i int) *int { return &i }

// seconds writes a duration as people say it: 60s rather than 1m0s.
func seconds(d time.Duration) string {
	if d%time.Second == 0 {
		return fmt.Sprintf("%ds", int(d/time.Second))
	}
	return d.String()
}
