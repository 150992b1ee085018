package manifest

import (
	"path"
	"strings"
)

// A setup_when entry may be a glob: `*`, `?` and `[...]` within a name,
// as path.Match reads them, and `**` for any number of folders
// (`**/*.go`, `web/**/package.json`).

// IsGlob reports whether a setup_when entry is a pattern, not a file.
func IsGlob(p string) bool { return strings.ContainsAny(p, "*?[") }

// GlobProblem says what is wrong with a pattern; "" when it is fine.
func GlobProblem(p string) string {
	for _, part := range strings.Split(p, "/") {
		if part == "**" {
			continue
		}
		if strings.Contains(part, "**") {
			return "** must be a whole folder name (a/**/b), not part of one"
		}
		if _, err := path.Match(part, ""); err != nil {
			return "bad pattern: " + err.Error()
		}
	}
	return ""
}

// MatchGlob reports whether the repo file f (slash-separated, relative to
// the repo's top) matches the pattern.
func MatchGlob(pattern, f string) bool {
	return matchParts(strings.Split(pattern, "/"), strings.Split(f, "/"))
}

func matchParts(pat, name []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			for i := 0; i <= len(name); i++ {
				if matchParts(pat[1:], name[i:]) {
					return true
				}
			}
			return false
		}
		if len(name) == 0 {
			return false
		}
		if ok, _ := path.Match(pat[0], name[0]); !ok {
			return false
		}
		pat, name = pat[1:], name[1:]
	}
	return len(name) == 0
}
