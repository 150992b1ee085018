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

// TailLog writes the last n lines (all when n < 0) of a service's log to
// emit, one line at a time; with follow it then keeps writing new lines
// until ctx ends, reopening the file when it is rotated.
func TailLog(ctx context.Context, stateDir, name string, n int, follow bool, emit func(string)) error {
	path := LogPath(stateDir, name)
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		if !follow {
			return fmt.Errorf("logs of %s: no log yet at %s: it has not run in this workspace", name, path)
		}
		f, err = waitForFile(ctx, path)
	}
	if err != nil {
		return fmt.Errorf("logs of %s: %w", name, err)
	}
	defer func() { f.Close() }()
	if err := lastLines(f, n, emit); err != nil {
		return fmt.Errorf("logs of %s: %w", name, err)
	}
	if !follow {
		return nil
	}
	r := bufio.NewReader(f)
	var partial []byte
	for {
		line, err := r.ReadBytes('\n')
		partial = append(partial, line...)
		if err == nil {
			emit(string(bytes.TrimRight(partial, "\r\n")))
			partial = partial[:0]
			continue
		}
		if !errors.Is(err, io.EOF) {
			return fmt.Errorf("logs of %s: %w", name, err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(200 * time.Millisecond):
		}
		if rotated(f, path) {
			next, err := os.Open(path)
			if err != nil {
				continue // between the rename and the new file
			}
			f.Close()
			f, r = next, bufio.NewReader(next)
		}
	}
}

// lastLines emits the last n lines of f and leaves f at its end.
func lastLines(f *os.File, n int, emit func(string)) error {
	data, err := io.ReadAll(f)
	if err != nil {
		return err
	}
	lines := bytes.Split(bytes.TrimRight(data, "\n"), []byte("\n"))
	if len(lines) == 1 && len(lines[0]) == 0 {
		return nil
	}
	if n >= 0 && len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	for _, l := range lines {
		emit(string(bytes.TrimRight(l, "\r")))
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
