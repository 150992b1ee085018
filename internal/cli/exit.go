package cli

import (
	"errors"
	"fmt"

	"github.com/crispify/crispify/internal/stack"
)

// Exit codes of docs/design.md, decided in one place: exitCode.
const (
	ExitOK          = 0
	ExitFailed      = 1
	ExitUsage       = 2
	ExitInterrupted = 130
)

// ExitError ends a command with a code. Err is what to print; nil when the
// command has already shown everything (a summary table, say).
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// usageErrorf is a mistake in how crispify was called: exit 2.
func usageErrorf(format string, args ...any) error {
	return &ExitError{Code: ExitUsage, Err: fmt.Errorf(format, args...)}
}

// failed ends a command that did what it could but not everything: exit 1.
func failed(err error) error {
	return &ExitError{Code: ExitFailed, Err: err}
}

// errInterrupted is returned when Ctrl-C cut a command short.
var errInterrupted = &ExitError{Code: ExitInterrupted, Err: errors.New("interrupted")}

// exitCode maps what a command returned to the process's exit code.
func exitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var e *ExitError
	if errors.As(err, &e) {
		return e.Code
	}
	return ExitFailed
}

// exitFor is the exit of an engine error: a stack.UsageError exits 2 (and
// its manifest diagnostics print as such), anything else 1.
func exitFor(err error) error {
	if err == nil {
		return nil
	}
	var e *ExitError
	if errors.As(err, &e) {
		return err
	}
	if errors.Is(err, stack.ErrInterrupted) {
		return errInterrupted
	}
	if stack.IsUsage(err) {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	return failed(err)
}
