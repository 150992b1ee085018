package repos

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// maxReflogTail is how much of the end of HEAD's reflog is read: the moves
// since a worker started are the last few lines, and a reflog of years
// must not make a restart's reason slow.
const maxReflogTail = 256 << 10

// branchWhenLeft returns the branch HEAD was on ("" when detached) when it
// last moved away from commit from, read from HEAD's reflog (logs/HEAD of
// git folder gd) backwards from now, when HEAD is on current. known is
// false when the reflog does not reach that move: none is kept
// (core.logAllRefUpdates off), it expired, or what moved HEAD wrote none.
//
// git writes a branch switch as "checkout: moving from A to B", A being
// the branch left or, when detached, the commit; every other move
// (commit, merge, pull, reset, rebase) stays on its branch.
func branchWhenLeft(gd, current, from string) (branch string, known bool) {
	lines := reflogTail(filepath.Join(gd, "logs", "HEAD"))
	branch = current
	for i := len(lines) - 1; i >= 0; i-- {
		old, msg, ok := parseReflogLine(lines[i])
		if !ok {
			continue
		}
		if left, ok := strings.CutPrefix(msg, "checkout: moving from "); ok {
			left, _, _ = strings.Cut(left, " to ")
			branch = left
			if isObjectName(left) {
				branch = ""
			}
		}
		if old == from {
			return branch, true
		}
	}
	return "", false
}

// parseReflogLine reads "<old> <new> <who> <when> <zone>\t<message>".
func parseReflogLine(line string) (old, msg string, ok bool) {
	head, msg, ok := strings.Cut(line, "\t")
	old, _, found := strings.Cut(head, " ")
	return old, msg, ok && found
}

// isObjectName reports whether s is a full commit name, as the reflog
// writes a detached HEAD.
func isObjectName(s string) bool {
	if len(s) != 40 && len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// reflogTail returns the whole lines of at most the last maxReflogTail
// bytes of a reflog; none when it cannot be read.
func reflogTail(name string) []string {
	f, err := os.Open(name)
	if err != nil {
		return nil
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil
	}
	start := max(fi.Size()-maxReflogTail, 0)
	b, err := io.ReadAll(io.NewSectionReader(f, start, fi.Size()-start))
	if err != nil {
		return nil
	}
	if start > 0 {
		// The first line is cut: from its end on.
		if nl := bytes.IndexByte(b, '\n'); nl >= 0 {
			b = b[nl+1:]
		}
	}
	return strings.Split(strings.TrimRight(string(b), "\n"), "\n")
}
