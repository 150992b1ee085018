package workers

import (
	"bytes"
	"io"
	"strings"
	"time"
)

// maxLine caps one line of output: a process printing megabytes without a
// newline is cut into lines of this size rather than held in memory.
const maxLine = 64 << 10

// tailLines is how many of a process's last lines an error shows.
const tailLines = 20

// readPause is how long readLines lets output gather after a read: a worker
// that writes line by line would otherwise wake crispify for every line.
// It is the most a line waits.
const readPause = 10 * time.Millisecond

// readLines calls fn with each line r yields, without its line ending, until
// EOF or a read error (the pipe closed under it). The lines of one read
// share one string: a chatty worker costs an allocation per read, not per
// line (a line kept later keeps at most its read's bytes alive).
func readLines(r io.Reader, fn func(string)) {
	readBatches(r, func(lines []string) {
		for _, l := range lines {
			fn(l)
		}
	})
}

// readBatches is readLines giving fn the lines of each read at once, so
// that what is done per read (a lock, the clock) is not done per line. The
// slice is fn's only for the call.
func readBatches(r io.Reader, fn func([]string)) {
	var batch []string
	buf := make([]byte, maxLine)
	n := 0 // bytes in buf not yet given to fn
	for {
		m, err := r.Read(buf[n:])
		n += m
		if end := bytes.LastIndexByte(buf[:n], '\n'); end >= 0 {
			batch = batch[:0]
			for chunk := string(buf[:end+1]); chunk != ""; {
				i := strings.IndexByte(chunk, '\n')
				batch = append(batch, strings.TrimSuffix(chunk[:i], "\r"))
				chunk = chunk[i+1:]
			}
			fn(batch)
			n = copy(buf, buf[end+1:n])
		} else if n == len(buf) {
			fn([]string{string(buf[:n])}) // a line longer than maxLine is cut
			n = 0
		}
		if err != nil {
			if n > 0 {
				fn([]string{strings.TrimSuffix(string(buf[:n]), "\r")})
			}
			return
		}
		if m < len(buf)/2 {
			time.Sleep(readPause) // not a full read: let the next lines gather
		}
	}
}

// tail keeps the last tailLines lines. It is not safe for concurrent use.
type tail struct {
	lines []string
}

func (t *tail) add(line string) {
	if len(t.lines) == 2*tailLines {
		// Shift once every tailLines lines rather than at every line.
		t.lines = append(t.lines[:0], t.lines[tailLines:]...)
	}
	t.lines = append(t.lines, line)
}

// last returns a copy of the last tailLines lines, oldest first.
func (t *tail) last() []string {
	l := t.lines
	if len(l) > tailLines {
		l = l[len(l)-tailLines:]
	}
	return append([]string(nil), l...)
}
