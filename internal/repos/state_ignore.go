package repos

import (
	"path/filepath"
	"strings"

	"github.com/crispify/crispify/internal/gitignore"
)

// ignorePattern is one line of an ignore file (internal/gitignore, which
// internal/watch reads them with too).
type ignorePattern = gitignore.Pattern

// parseIgnore reads the lines of an ignore file; fold is core.ignoreCase.
func parseIgnore(data []byte, fold bool) []ignorePattern { return gitignore.Parse(data, fold) }

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
		if ig, ok := gitignore.Decide(f.patterns, parts[f.depth:], isDir); ok {
			return ig
		}
	}
	for _, list := range [][]ignorePattern{r.exclude, r.global} {
		if ig, ok := gitignore.Decide(list, parts, isDir); ok {
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

// readCapped reads at most gitignore.MaxFile bytes of a file; nil when it
// cannot be read.
func readCapped(name string) []byte { return gitignore.ReadCapped(name) }
