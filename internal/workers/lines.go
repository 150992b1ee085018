package workers

import (
	"bufio"
	"bytes"
	"io"
)

// maxLine caps one line of output: a process printing megabytes without a
// newline is cut into lines of this size rather than held in memory.
const maxLine = 64 << 10

// tailLines is how many of a process's last lines an error shows.
const tailLines = 20

// readLines calls fn with each line r yields, without its line ending, until
// EOF or a read error (the pipe closed under it).
func readLines(r io.Reader, fn func(string)) {
	br := bufio.NewReaderSize(r, 64<<10)
	var long []byte
	for {
		chunk, isPrefix, err := br.ReadLine()
		if err != nil {
			if len(long) > 0 {
				fn(string(long))
			}
			return
		}
		if isPrefix || len(long) > 0 {
			long = append(long, chunk...)
			if isPrefix && len(long) < maxLine {
				continue
			}
			chunk, long = long, nil
		}
		fn(string(bytes.TrimSuffix(chunk, []byte{'\r'})))
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
