package cli

import (
	"io"
	"os"
	"sync"

	"golang.org/x/term"
)

// IOStreams is where a command reads and writes, and every decision that
// depends on them: whether stdout is a terminal, the output mode (the
// board, plain lines or JSON), whether to use colour. Data goes to Out,
// status and errors to ErrOut.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	InTTY, OutTTY, ErrTTY bool
	Getenv                func(string) string
	// Environ is the whole environment, for what crispify starts; nil is
	// the process's own.
	Environ func() []string

	output string // decided once, by SetOutput
}

func (s *IOStreams) environ() []string {
	if s.Environ == nil {
		return os.Environ()
	}
	return s.Environ()
}

// System returns the process's own streams.
func System() *IOStreams {
	return &IOStreams{
		In:      os.Stdin,
		Out:     os.Stdout,
		ErrOut:  os.Stderr,
		InTTY:   term.IsTerminal(int(os.Stdin.Fd())),
		OutTTY:  term.IsTerminal(int(os.Stdout.Fd())),
		ErrTTY:  term.IsTerminal(int(os.Stderr.Fd())),
		Getenv:  os.Getenv,
		Environ: os.Environ,
	}
}

// Output modes of --output.
const (
	OutputTUI   = "tui"
	OutputPlain = "plain"
	OutputJSON  = "json"
)

// SetOutput decides the output mode, once, from --output and -v: the
// flag's value when given, else the TUI only on a terminal outside CI, plain
// lines otherwise; and plain lines under -v, whose trace on stderr would
// tear the board.
func (s *IOStreams) SetOutput(flag string, verbose bool) error {
	switch {
	case flag == OutputTUI, flag == OutputPlain, flag == OutputJSON:
		s.output = flag
	case flag != "":
		return usageErrorf("--output %q: use tui, plain or json", flag)
	case verbose:
		s.output = OutputPlain
	case s.OutTTY && s.Getenv("CI") == "" && s.Getenv("TERM") != "dumb":
		s.output = OutputTUI
	default:
		s.output = OutputPlain
	}
	return nil
}

// Output is the output mode SetOutput decided: tui, plain or json; plain
// lines when nothing decided it.
func (s *IOStreams) Output() string {
	if s.output == "" {
		return OutputPlain
	}
	return s.output
}

// Colour reports whether text written to a stream that is (or is not) a
// terminal gets colour: never with --no-color, NO_COLOR or TERM=dumb.
func (s *IOStreams) Colour(noColourFlag, tty bool) bool {
	if noColourFlag || s.Getenv("NO_COLOR") != "" || s.Getenv("TERM") == "dumb" {
		return false
	}
	return tty
}

// serialised returns deps whose output streams take one write at a time:
// the renderer, the -v tracer and the summary all write to stderr from
// goroutines of their own, and a stream that is not a file (a test's
// buffer, a pipe's wrapper) may not be written to at once.
func (d *Deps) serialised() *Deps {
	io := *d.IO
	io.Out, io.ErrOut = lockWriter(io.Out), lockWriter(io.ErrOut)
	copied := *d
	copied.IO = &io
	return &copied
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func lockWriter(w io.Writer) io.Writer {
	if _, ok := w.(*lockedWriter); ok || w == nil {
		return w
	}
	return &lockedWriter{w: w}
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
