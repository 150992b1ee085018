package watch

import (
	"bytes"
	"path"
	"strings"
)

// pattern is one line of a .gitignore, read as git reads it
// (gitignore(5)). go-git's matcher was not used: it matches a pattern
// against every leading folder of a path as well as the path, so "*" then
// "!src" would watch src/x.txt, which git ignores.
type pattern struct {
	// name is set for a pattern without a slash: it matches the last part
	// of a path, at any depth under the .gitignore's folder.
	name string
	// parts is set for an anchored pattern (a slash at its start or in its
	// middle): it matches the whole path relative to the .gitignore's
	// folder, part by part; "**" as a whole part matches any number of
	// folders.
	parts   []string
	negate  bool
	dirOnly bool
}

// parsePatterns reads the lines of a .gitignore file: blank lines and
// # comments are skipped.
func parsePatterns(data []byte) []pattern {
	var out []pattern
	for _, line := range bytes.Split(data, []byte("\n")) {
		if p, ok := parsePattern(string(bytes.TrimSuffix(line, []byte("\r")))); ok {
			out = append(out, p)
		}
	}
	return out
}

// parsePattern reads one line; ok is false for blank lines and comments.
func parsePattern(line string) (p pattern, ok bool) {
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
		p.name = goGlob(line)
		return p, true
	}
	for _, part := range strings.Split(strings.TrimPrefix(line, "/"), "/") {
		if part == "" {
			continue // a//b is a/b, as git reads it
		}
		if part != "**" {
			part = goGlob(part)
		}
		p.parts = append(p.parts, part)
	}
	return p, len(p.parts) > 0
}

// goGlob turns one part of a git wildmatch pattern into path.Match's
// syntax: git negates a class with [!a] (Go with [^a]), and "**" that is not
// a whole part is an ordinary "*".
func goGlob(part string) string {
	part = strings.ReplaceAll(part, "[!", "[^")
	for strings.Contains(part, "**") {
		part = strings.ReplaceAll(part, "**", "*")
	}
	return part
}

// match tells whether the pattern matches a path, given as its parts
// relative to the pattern's .gitignore folder. It looks at the path alone:
// whether a leading folder is ignored is the caller's question.
func (p pattern) match(parts []string, isDir bool) bool {
	if len(parts) == 0 || p.dirOnly && !isDir {
		return false
	}
	if p.name != "" {
		ok, _ := path.Match(p.name, parts[len(parts)-1])
		return ok
	}
	return matchParts(p.parts, parts)
}

// matchParts matches pattern parts against path parts. A "**" part matches
// zero or more folders in the middle or at the start, and one or more
// parts at the end ("a/**" matches what is inside a, not a itself).
func matchParts(pat, parts []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			if len(pat) == 1 {
				return len(parts) > 0
			}
			for i := 0; i < len(parts); i++ {
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

// decide applies a list of patterns to a path: the last one that matches
// decides (ignored unless it is a !negation); found is false when none does.
func decide(list []pattern, parts []string, isDir bool) (ignored, found bool) {
	for i := len(list) - 1; i >= 0; i-- {
		if list[i].match(parts, isDir) {
			return !list[i].negate, true
		}
	}
	return false, false
}
