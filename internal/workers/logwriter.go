package workers

import (
	"bytes"
	"sync"
)

// LogWriter is an io.Writer onto a log file rotated like the services'
// logs (at max bytes, three rotations kept, 0600 in a 0700 folder), safe
// for concurrent use: what the supervisor writes of its own,
// .crispify/logs/supervisor.log, goes through one. Writes are cut at line
// ends, so that a rotation never splits a line.
type LogWriter struct {
	mu      sync.Mutex
	log     *logFile
	partial []byte // the start of a line not ended yet
}

// OpenLogWriter opens (appending) the log at path, rotating it at max bytes
// (0: the services' 10 MB).
func OpenLogWriter(path string, max int64) (*LogWriter, error) {
	if max <= 0 {
		max = logMaxSize
	}
	l, err := openLogAt(path, max)
	if err != nil {
		return nil, err
	}
	return &LogWriter{log: l}, nil
}

// Write appends p; it never fails (a full disk must not stop the
// supervisor), and keeps at most one line's start until its end comes.
func (w *LogWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	rest := p
	for {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			break
		}
		line := rest[:i]
		if len(w.partial) > 0 {
			line = append(w.partial, line...)
			w.partial = w.partial[:0]
		}
		w.log.writeLine(string(line))
		rest = rest[i+1:]
	}
	w.partial = append(w.partial, rest...)
	if len(w.partial) >= maxLine {
		w.log.writeLine(string(w.partial))
		w.partial = w.partial[:0]
	}
	return len(p), nil
}

// Close writes what is left of a line and closes the file.
func (w *LogWriter) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.partial) > 0 {
		w.log.writeLine(string(w.partial))
		w.partial = nil
	}
	w.log.close()
	return nil
}
