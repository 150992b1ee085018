package workers

import (
	"bytes"
	"sync"
)

// LogWriter is a rotated log like a worker's (10 MB, three rotations kept,
// 0600 in a 0700 folder), for other writers: the detached supervisor's own
// log. It is an io.Writer that keeps whole lines, so that a rotation never
// splits one, and is safe for concurrent use.
type LogWriter struct {
	mu   sync.Mutex
	log  *logFile
	part []byte // the start of a line not ended yet, at most maxLine
}

// OpenLogWriter opens (appending) <stateDir>/logs/<name>.log.
func OpenLogWriter(stateDir, name string) (*LogWriter, error) {
	return openLogWriterAt(LogPath(stateDir, name), logMaxSize)
}

func openLogWriterAt(path string, max int64) (*LogWriter, error) {
	l, err := openLogAt(path, max)
	if err != nil {
		return nil, err
	}
	return &LogWriter{log: l}, nil
}

// Write writes whole lines to the log; a last partial line waits for its
// end, or is written once it reaches maxLine. It never fails: a full disk
// must not stop the supervisor.
func (w *LogWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	rest := p
	for {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			break
		}
		w.log.writeLine(string(append(w.part, rest[:i]...)))
		w.part = w.part[:0]
		rest = rest[i+1:]
	}
	w.part = append(w.part, rest...)
	if len(w.part) >= maxLine {
		w.log.writeLine(string(w.part))
		w.part = w.part[:0]
	}
	return len(p), nil
}

// Close writes what is left and closes the file.
func (w *LogWriter) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.part) > 0 {
		w.log.writeLine(string(w.part))
		w.part = nil
	}
	w.log.close()
	return nil
}
