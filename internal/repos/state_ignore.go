package repos

import (
	"bytes"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// ignorePattern is one line of a .gitignore, .git/info/exclude or excludes
// file, read as git reads it (gitignore(5)). go-git's gitignore matcher is
// not used: it matches a pattern without a slash against every leading
// folder of a path as well as its name, so "*.txt" then "!src" would count
// src/a.txt, which git ignores (internal/watch, which reads the same
// files, refuses it for the same reason).
type ignorePattern struct {
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

// maxIgnoreFile bounds what is read of one ignore file: a state read must
// stay cheap whatever a repo holds.
const maxIgnoreFile = 1 << 20

// parseIgnore reads the lines of an ignore file; fold (core.ignoreCase)
// makes its patterns match without regard to case, as git then does.
func parseIgnore(data []byte, fold bool) []ignorePattern {
	var out []ignorePattern
	for _, line := range bytes.Split(data, []byte("\n")) {
		s := string(bytes.TrimSuffix(line, []byte("\r")))
		if fold {
			s = strings.ToLower(s)
		}
		if p, ok := parseIgnoreLine(s); ok {
			out = append(out, p)
		}
	}
	return out
}

// parseIgnoreLine reads one line; ok is false for blank lines and comments.
// A backslash escapes the next character, as path.Match reads it too.
func parseIgnoreLine(line string) (p ignorePattern, ok bool) {
	if strings.HasPrefix(line, "#") {
		return p, false
	}
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
		p.name = wildmatchToGlob(line)
		return p, true
	}
	for _, part := range strings.Split(strings.TrimPrefix(line, "/"), "/") {
		switch part {
		case "": // a//b is a/b to git
		case "**":
			p.parts = append(p.parts, part)
		default:
			p.parts = append(p.parts, wildmatchToGlob(part))
		}
	}
	return p, len(p.parts) > 0
}

// wildmatchToGlob turns one part of a git pattern into path.Match's syntax:
// git negates a class with [!a] (Go with [^a]), and "**" inside a part is
// an ordinary "*".
func wildmatchToGlob(part string) string {
	part = strings.ReplaceAll(part, "[!", "[^")
	for strings.Contains(part, "**") {
		part = strings.ReplaceAll(part, "**", "*")
	}
	return part
}

// match tells whether the pattern matches a path, given as its parts
// relative to the pattern's folder. Whether a folder above it is ignored
// is the walk's question: git never looks inside an ignored folder.
func (p ignorePattern) match(parts []string, isDir bool) bool {
	if len(parts) == 0 || p.dirOnly && !isDir {
		return false
	}
	if p.name != "" {
		ok, _ := path.Match(p.name, parts[len(parts)-1])
		return ok
	}
	return matchIgnoreParts(p.parts, parts)
}

// matchIgnoreParts matches pattern parts against path parts. "**" matches
// zero or more folders at the start or in the middle, and one or more
// parts at the end ("a/**" matches what is inside a, not a itself).
func matchIgnoreParts(pat, parts []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			if len(pat) == 1 {
				return len(parts) > 0
			}
			for i := range parts {
				if matchIgnoreParts(pat[1:], parts[i:]) {
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

// decideIgnore applies one file's patterns to a path: the last that
// matches decides (ignored, unless it is a !negation); found is false when
// none does, and the next file down git's order is asked.
func decideIgnore(list []ignorePattern, parts []string, isDir bool) (ignored, found bool) {
	for i := len(list) - 1; i >= 0; i-- {
		if list[i].match(parts, isDir) {
			return !list[i].negate, true
		}
	}
	return false, false
}

// ignoreRules are the patterns that apply to the folder a walk is in, in
// git's order of priority: the .gitignore of each folder from that one up
// to the top (the deepest first), then .git/info/exclude, then the user's
// excludes file.
type ignoreRules struct {
	frames  []ignoreFrame   // .gitignore files of the folders walked into, the top first
	exclude []ignorePattern // .git/info/exclude
	global  []ignorePattern // core.excludesFile, or git's default
	fold    bool            // core.ignoreCase
}

// ignoreFrame is the .gitignore of one folder, depth parts below the top.
type ignoreFrame struct {
	depth    int
	patterns []ignorePattern
}

// ignored tells whether a path (its parts, from the top of the repo) is
// ignored by the patterns of its own folder and those above it.
func (r *ignoreRules) ignored(parts []string, isDir bool) bool {
	if r.fold {
		parts = lowered(parts)
	}
	for i := len(r.frames) - 1; i >= 0; i-- {
		f := r.frames[i]
		if ig, ok := decideIgnore(f.patterns, parts[f.depth:], isDir); ok {
			return ig
		}
	}
	for _, list := range [][]ignorePattern{r.exclude, r.global} {
		if ig, ok := decideIgnore(list, parts, isDir); ok {
			return ig
		}
	}
	return false
}

// lowered is parts in lower case, for core.ignoreCase; parts itself when
// already so, which is most often.
func lowered(parts []string) []string {
	for i, p := range parts {
		if l := strings.ToLower(p); l != p {
			out := append([]string(nil), parts...)
			for j := i; j < len(out); j++ {
				out[j] = strings.ToLower(out[j])
			}
			return out
		}
	}
	return parts
}

// enter reads the .gitignore of the folder at abs, depth parts below the
// top, when has says it holds one; leave undoes it.
func (r *ignoreRules) enter(abs string, depth int, has bool) {
	if !has {
		return
	}
	if ps := parseIgnore(readCapped(filepath.Join(abs, ".gitignore")), r.fold); len(ps) > 0 {
		r.frames = append(r.frames, ignoreFrame{depth: depth, patterns: ps})
	}
}

func (r *ignoreRules) leave(depth int) {
	for len(r.frames) > 0 && r.frames[len(r.frames)-1].depth >= depth {
		r.frames = r.frames[:len(r.frames)-1]
	}
}

// readCapped reads at most maxIgnoreFile bytes of a file; nil when it
// cannot be read (most often: there is none, which git takes as empty).
func readCapped(name string) []byte {
	f, err := os.Open(name)
	if err != nil {
		return nil
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxIgnoreFile))
	if err != nil {
		return nil
	}
	return data
}
