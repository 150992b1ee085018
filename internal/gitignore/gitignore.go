// Package gitignore reads .gitignore, .git/info/exclude and excludes files
// as git reads them (gitignore(5)), for the two places that must agree with
// git on what it ignores: the git state's count of untracked files
// (internal/repos) and the file watcher (internal/watch).
//
// go-git's matcher is not used: it matches a pattern without a slash
// against every leading folder of a path as well as the path, so "*" then
// "!src" would take src/x.txt, which git ignores.
package gitignore

import (
	"bytes"
	"io"
	"os"
	"path"
	"strings"
)

// Pattern is one line of an ignore file.
type Pattern struct {
	// name is set for a pattern without a slash: it matches the last part
	// of a path, at any depth under the file's folder.
	name string
	// parts is set for an anchored pattern (a slash at its start or in its
	// middle): it matches the whole path relative to the file's folder,
	// part by part; "**" as a whole part matches any number of folders.
	parts   []string
	negate  bool
	dirOnly bool
}

// MaxFile bounds what is read of one ignore file: whatever a repo holds,
// reading its rules stays cheap.
const MaxFile = 1 << 20

// Parse reads the lines of an ignore file: blank lines and # comments are
// skipped. fold (core.ignoreCase) makes its patterns match without regard
// to case, for paths that the caller lowers too.
func Parse(data []byte, fold bool) []Pattern {
	var out []Pattern
	for _, line := range bytes.Split(data, []byte("\n")) {
		s := string(bytes.TrimSuffix(line, []byte("\r")))
		if fold {
			s = strings.ToLower(s)
		}
		if p, ok := ParseLine(s); ok {
			out = append(out, p)
		}
	}
	return out
}

// ParseLine reads one line; ok is false for blank lines and comments. A
// backslash escapes the next character, as path.Match reads it too.
func ParseLine(line string) (p Pattern, ok bool) {
	if strings.HasPrefix(line, "#") {
		return p, false
	}
	// Trailing spaces are dropped unless escaped with a backslash.
	for strings.HasSuffix(line, " ") && !strings.HasSuffix(line, `\ `) {
		line = line[:len(line)-1]
	}
	if strings.HasPrefix(line, "!") {
		p.negate = true
		line = line[1:]
	}
	if strings.HasSuffix(line, "/") {
		p.dirOnly = true
		line = strings.TrimRight(line, "/")
	}
	if line == "" {
		return p, false
	}
	if !strings.Contains(line, "/") {
		p.name = toGlob(line)
		return p, true
	}
	for _, part := range strings.Split(strings.TrimPrefix(line, "/"), "/") {
		switch part {
		case "": // a//b is a/b to git
		case "**":
			p.parts = append(p.parts, part)
		default:
			p.parts = append(p.parts, toGlob(part))
		}
	}
	return p, len(p.parts) > 0
}

// toGlob turns one part of a git wildmatch pattern into path.Match's
// syntax: git negates a class with [!a] (Go with [^a]), and "**" that is
// not a whole part is an ordinary "*".
func toGlob(part string) string {
	part = strings.ReplaceAll(part, "[!", "[^")
	for strings.Contains(part, "**") {
		part = strings.ReplaceAll(part, "**", "*")
	}
	return part
}

// Negated reports whether the pattern is a !negation.
func (p Pattern) Negated() bool { return p.negate }

// Match tells whether the pattern matches a path, given as its parts
// relative to the pattern's folder. It looks at the path alone: whether a
// folder above it is ignored is the caller's question (git never looks
// inside an ignored folder).
func (p Pattern) Match(parts []string, isDir bool) bool {
	if len(parts) == 0 || p.dirOnly && !isDir {
		return false
	}
	if p.name != "" {
		ok, _ := path.Match(p.name, parts[len(parts)-1])
		return ok
	}
	return matchParts(p.parts, parts)
}

// matchParts matches pattern parts against path parts. "**" matches zero
// or more folders at the start or in the middle, and one or more parts at
// the end ("a/**" matches what is inside a, not a itself).
func matchParts(pat, parts []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			if len(pat) == 1 {
				return len(parts) > 0
			}
			for i := range parts {
				if matchParts(pat[1:], parts[i:]) {
					return true
				}
			}
			return false
		}
		if len(parts) == 0 {
			return false
		}
		if ok, _ := path.Match(pat[0], parts[0]); !ok {
			return false
		}
		pat, parts = pat[1:], parts[1:]
	}
	return len(parts) == 0
}

// Decide applies one file's patterns to a path: the last that matches
// decides (ignored, unless it is a !negation); found is false when none
// does, and the next file in git's order is asked.
func Decide(list []Pattern, parts []string, isDir bool) (ignored, found bool) {
	for i := len(list) - 1; i >= 0; i-- {
		if list[i].Match(parts, isDir) {
			return !list[i].negate, true
		}
	}
	return false, false
}

// ReadCapped reads at most MaxFile bytes of a file; nil when it cannot be
// read (most often: there is none, which git takes as empty).
func ReadCapped(name string) []byte {
	f, err := os.Open(name)
	if err != nil {
		return nil
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFile))
	if err != nil {
		return nil
	}
	return data
}
