package workers

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"
)

// LogLine is one line of a service's log and when it was written.
type LogLine struct {
	Time time.Time
	Text string
}

// ParseLogLine splits a line of a service's log into the time it was
// written (LogStamp) and its text. A line without the time (written by a
// crispify from before it) has the zero time and is given whole.
func ParseLogLine(line string) LogLine {
	if len(line) > len(stampLayout) && line[len(stampLayout)] == ' ' && line[len(stampLayout)-1] == 'Z' && line[10] == 'T' {
		if t, err := time.Parse(stampLayout, line[:len(stampLayout)]); err == nil {
			return LogLine{Time: t, Text: line[len(stampLayout)+1:]}
		}
	}
	return LogLine{Text: line}
}

// LogReader reads a service's log file: its last lines, then what is
// written after them, across rotations.
type LogReader struct {
	path string
	f    *os.File
	last time.Time // of the line read last: a line without a time gets it
}

// OpenLogReader opens the log of a service; the error says so when it has
// none yet.
func OpenLogReader(stateDir, name string) (*LogReader, error) {
	path := LogPath(stateDir, name)
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("logs of %s: no log yet at %s: it has not run in this workspace: %w", name, path, err)
	}
	if err != nil {
		return nil, fmt.Errorf("logs of %s: %w", name, err)
	}
	return &LogReader{path: path, f: f}, nil
}

// WaitLogReader opens the log of a service once it exists, until ctx ends.
func WaitLogReader(ctx context.Context, stateDir, name string) (*LogReader, error) {
	path := LogPath(stateDir, name)
	f, err := waitForFile(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("logs of %s: %w", name, err)
	}
	return &LogReader{path: path, f: f}, nil
}

// Close closes the file.
func (r *LogReader) Close() error { return r.f.Close() }

// Last returns the last n lines (all when n < 0) and leaves the reader at
// the end of the file, where Follow goes on.
func (r *LogReader) Last(n int) ([]LogLine, error) {
	data, err := io.ReadAll(r.f)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", r.path, err)
	}
	raw := bytes.Split(bytes.TrimRight(data, "\n"), []byte("\n"))
	if len(raw) == 1 && len(raw[0]) == 0 {
		return nil, nil
	}
	// Times are read from every line, not only the last n: a line without
	// one takes the time of the line before it.
	lines := make([]LogLine, 0, min(len(raw), max(n, 0)))
	for i, l := range raw {
		line := r.parse(string(bytes.TrimRight(l, "\r")))
		if n < 0 || i >= len(raw)-n {
			lines = append(lines, line)
		}
	}
	return lines, nil
}

func (r *LogReader) parse(s string) LogLine {
	l := ParseLogLine(s)
	if l.Time.IsZero() {
		l.Time = r.last
	}
	r.last = l.Time
	return l
}

// Follow sends what is written to the log after where the reader is, line
// by line, until ctx ends, reopening the file when it is rotated.
func (r *LogReader) Follow(ctx context.Context, emit func(LogLine)) error {
	br := bufio.NewReader(r.f)
	var partial []byte
	for {
		line, err := br.ReadBytes('\n')
		partial = append(partial, line...)
		if err == nil {
			emit(r.parse(string(bytes.TrimRight(partial, "\r\n"))))
			partial = partial[:0]
			continue
		}
		if !errors.Is(err, io.EOF) {
			return fmt.Errorf("read %s: %w", r.path, err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(200 * time.Millisecond):
		}
		if rotated(r.f, r.path) {
			next, err := os.Open(r.path)
			if err != nil {
				continue // between the rename and the new file
			}
			r.f.Close()
			r.f, br = next, bufio.NewReader(next)
		}
	}
}

// TailLog writes the last n lines (all when n < 0) of a service's log to
// emit, one line at a time, without their times; with follow it then keeps
// writing new lines until ctx ends, reopening the file when it is rotated.
func TailLog(ctx context.Context, stateDir, name string, n int, follow bool, emit func(string)) error {
	r, err := OpenLogReader(stateDir, name)
	if errors.Is(err, fs.ErrNotExist) && follow {
		r, err = WaitLogReader(ctx, stateDir, name)
	}
	if err != nil {
		return err
	}
	defer func() { r.Close() }()
	lines, err := r.Last(n)
	if err != nil {
		return fmt.Errorf("logs of %s: %w", name, err)
	}
	for _, l := range lines {
		emit(l.Text)
	}
	if !follow {
		return nil
	}
	if err := r.Follow(ctx, func(l LogLine) { emit(l.Text) }); err != nil {
		return fmt.Errorf("logs of %s: %w", name, err)
	}
	return nil
}

// rotated reports whether path now names another file than f: the log was
// renamed to .1 and a new one started.
func rotated(f *os.File, path string) bool {
	open, err1 := f.Stat()
	now, err2 := os.Stat(path)
	return err1 == nil && err2 == nil && !os.SameFile(open, now)
}

func waitForFile(ctx context.Context, path string) (*os.File, error) {
	for {
		f, err := os.Open(path)
		if err == nil || !errors.Is(err, fs.ErrNotExist) {
			return f, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}
