package watch

import "github.com/crispify/crispify/internal/gitignore"

// pattern is one line of a .gitignore, read as git reads it: the git
// state's count of untracked files reads them with the same code, so that
// the watcher and the board agree with git and with each other.
type pattern = gitignore.Pattern

// parsePatterns reads the lines of a .gitignore file.
func parsePatterns(data []byte) []pattern { return gitignore.Parse(data, false) }

// parsePattern reads one line; ok is false for blank lines and comments.
func parsePattern(line string) (pattern, bool) { return gitignore.ParseLine(line) }

// decide applies a list of patterns to a path: the last one that matches
// decides; found is false when none does.
func decide(list []pattern, parts []string, isDir bool) (ignored, found bool) {
	return gitignore.Decide(list, parts, isDir)
}

// readCapped reads at most gitignore.MaxFile bytes of a file; nil when it
// cannot be read (most often: there is none).
func readCapped(name string) []byte { return gitignore.ReadCapped(name) }
