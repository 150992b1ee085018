package workers

import (
	"bytes"
	"sync"
)

// LogWriter is a rotated log like a worker's, for other writers: the
// detached supervisor's own log. It is an io.Writer that keeps whole lines;
// it is safe for concurrent use.
type LogWriter struct {
	mu   sync.Mutex
	log  *logFile
	part []byte // a line not ended yet
}

// OpenLogWriter opens (appending) <stateDir>/logs/<name>.log.
func OpenLogWriter(stateDir, name string) (*LogWriter, error) {
	l, err := openLog(stateDir, name, logMaxSize)
	if err != nil {
		return nil, err
	}
	return &LogWriter{log: l}, nil
}

// Write writes whole lines to the log; a last partial line waits for its end.
func (w *LogWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	data := append(w.part, p...)
	for {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			break
		}
		w.log.writeLine(string(data[:i]))
		data = data[i+1:]
	}
	w.part = append([]byte(nil), data...)
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
