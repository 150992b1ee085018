package workers

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

const (
	// logMaxSize is the size at which a log file is rotated.
	logMaxSize = 10 << 20
	// logKeep is how many rotated files (.1 newest to .3 oldest) are kept.
	logKeep = 3
)

// LogPath is the log file of a service's worker and setup output.
func LogPath(stateDir, name string) string {
	return filepath.Join(stateDir, "logs", name+".log")
}

// logFile appends lines to a service's log, rotating it at max bytes: the
// file becomes .1, .1 becomes .2, and so on, the oldest dropped. It is not
// safe for concurrent use; its owner's mutex guards it (the flush timer
// takes mu, its own).
//
// A line after a quiet spell is written at once; the lines of a burst are
// gathered and written together within flushEvery: a worker printing
// thousands of lines a second would otherwise cost a system call each (a
// quarter of crispify's CPU, scripts/bench-logs.sh). The lines of one read
// of the worker's output come within microseconds, and reads at most every
// readPause, so a short window gathers them all while the file stays as
// current as a reader of it (a test, `crispify logs`) can tell. If crispify
// itself is killed, at most flushEvery of a burst is lost from the file.
//
// Write errors are not returned: a full disk must not stop a worker or its
// events, and the next write tries again.
type logFile struct {
	path string
	max  int64

	mu        sync.Mutex
	f         *os.File
	buf       *bufio.Writer
	size      int64 // written and buffered
	lastFlush time.Time
	armed     bool // a flush is due within flushEvery
}

// flushEvery bounds how long a line of a burst waits before it is written.
const flushEvery = 2 * time.Millisecond

// openLog opens (appending) the log of a service.
func openLog(stateDir, name string, max int64) (*logFile, error) {
	return openLogAt(LogPath(stateDir, name), max)
}

// openLogAt opens (appending) the log at path. Logs hold what workers
// print, secrets included: the folder is 0700 and the files 0600, like the
// supervisor's socket, and ones an older crispify left open to all are
// closed up.
func openLogAt(path string, max int64) (*logFile, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create log folder: %w", err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, fmt.Errorf("make the log folder %s private: %w", dir, err)
	}
	l := &logFile{path: path, max: max}
	if err := l.open(); err != nil {
		return nil, err
	}
	return l, nil
}

func (l *logFile) open() error {
	f, err := os.OpenFile(l.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("open log file: %w", err)
	}
	l.f, l.size = f, 0
	if l.buf == nil {
		l.buf = bufio.NewWriterSize(f, 64<<10)
	} else {
		l.buf.Reset(f)
	}
	if fi, err := f.Stat(); err == nil {
		l.size = fi.Size()
		if fi.Mode().Perm()&0o077 != 0 {
			_ = f.Chmod(0o600)
		}
	}
	return nil
}

// LogStamp is the time a worker's or setup's log file writes before each
// line: UTC, to the microsecond, always 27 bytes, so that `crispify logs`
// interleaves the lines of several logs, and of containers, by when they
// were written.
func LogStamp(t time.Time) string { return t.UTC().Format(stampLayout) }

const stampLayout = "2006-01-02T15:04:05.000000Z"

// writeLine appends line and a newline.
func (l *logFile) writeLine(line string) { l.writeStamped("", line) }

// writeStamped appends stamp (LogStamp; none when empty), a space, line
// and a newline.
func (l *logFile) writeStamped(stamp, line string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return
	}
	n := int64(len(line) + 1)
	if stamp != "" {
		n += int64(len(stamp) + 1)
	}
	if l.size > 0 && l.size+n > l.max {
		l.rotate()
		if l.f == nil {
			return
		}
	}
	if stamp != "" {
		l.buf.WriteString(stamp)
		l.buf.WriteByte(' ')
	}
	l.buf.WriteString(line)
	l.buf.WriteByte('\n')
	l.size += n
	if l.armed {
		return // the flush due soon takes this line too
	}
	if now := time.Now(); now.Sub(l.lastFlush) >= flushEvery {
		l.buf.Flush()
		l.lastFlush = now
		return
	}
	l.armed = true
	time.AfterFunc(flushEvery, l.flushDue)
}

// flushDue writes what a burst left in the buffer.
func (l *logFile) flushDue() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.armed = false
	if l.f != nil {
		l.buf.Flush()
		l.lastFlush = time.Now()
	}
}

// rotate is called with mu held.
func (l *logFile) rotate() {
	l.buf.Flush()
	l.f.Close()
	l.f = nil
	os.Remove(fmt.Sprintf("%s.%d", l.path, logKeep))
	for i := logKeep - 1; i >= 1; i-- {
		os.Rename(fmt.Sprintf("%s.%d", l.path, i), fmt.Sprintf("%s.%d", l.path, i+1))
	}
	os.Rename(l.path, l.path+".1")
	// A rotation an older crispify made readable to all is closed up too.
	_ = os.Chmod(l.path+".1", 0o600)
	_ = l.open()
}

func (l *logFile) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f != nil {
		l.buf.Flush()
		l.f.Close()
		l.f = nil
	}
}
