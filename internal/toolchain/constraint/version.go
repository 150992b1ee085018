// Package constraint reads toolchain versions (node's, go's, ruby's,
// python's) and the constraints that repos and manifests put on them, and
// tells whether a version meets a constraint. It is pure: no files, no
// processes.
package constraint

import (
	"fmt"
	"strconv"
	"strings"
)

// Version is a dotted version: 20.11.1, 1.26, 3.12.0rc1. Pre is what follows
// the numbers when it marks a pre-release (rc1, beta2, -dev): such a version
// sorts before the release of the same numbers.
type Version struct {
	Parts []int
	Pre   string
}

// maxParts bounds what a version may have: real ones have three or four.
const maxParts = 6

// ParseVersion reads "20.11.1", "v20.11.1", "1.23rc1" or "3.13.0a2". A
// version is digits and dots, optionally followed by a pre-release tag.
func ParseVersion(s string) (Version, error) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "v")
	end := 0
	for end < len(s) && (s[end] >= '0' && s[end] <= '9' || s[end] == '.') {
		end++
	}
	nums, pre := strings.TrimSuffix(s[:end], "."), s[end:]
	if nums == "" {
		return Version{}, fmt.Errorf("%q is not a version: it must start with a number, like 20.11.1", s)
	}
	var v Version
	for _, p := range strings.Split(nums, ".") {
		n, err := strconv.Atoi(p)
		if err != nil || p == "" {
			return Version{}, fmt.Errorf("%q is not a version: %q is not a number", s, p)
		}
		v.Parts = append(v.Parts, n)
	}
	if len(v.Parts) > maxParts {
		return Version{}, fmt.Errorf("%q is not a version: more than %d numbers", s, maxParts)
	}
	if pre != "" && !validPre(pre) {
		return Version{}, fmt.Errorf("%q is not a version: %q after the numbers is not a pre-release tag like rc1", s, pre)
	}
	if strings.HasPrefix(pre, "+") {
		pre = "" // build metadata (1.2.3+abc): not a pre-release
	}
	v.Pre = strings.TrimLeft(pre, "-")
	return v, nil
}

// validPre accepts tags like rc1, beta2, a1, -dev, -rc.1: letters, digits,
// dots and dashes, starting with a letter or a dash.
func validPre(s string) bool {
	if len(s) > 32 || !(s[0] == '-' || s[0] == '+' || s[0] >= 'a' && s[0] <= 'z' || s[0] >= 'A' && s[0] <= 'Z') {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '+') {
			return false
		}
	}
	return true
}

// String writes v as it is usually written: 20.11.1, 1.23rc1.
func (v Version) String() string {
	parts := make([]string, len(v.Parts))
	for i, p := range v.Parts {
		parts[i] = strconv.Itoa(p)
	}
	return strings.Join(parts, ".") + v.Pre
}

// part is the i-th number, 0 past the ones written: 1.26 is 1.26.0.
func (v Version) part(i int) int {
	if i < len(v.Parts) {
		return v.Parts[i]
	}
	return 0
}

// Compare returns -1, 0 or 1 as v is older than, the same as or newer than
// w. Missing numbers count as 0; a pre-release is older than its release.
func (v Version) Compare(w Version) int {
	for i := range max(len(v.Parts), len(w.Parts)) {
		if a, b := v.part(i), w.part(i); a != b {
			if a < b {
				return -1
			}
			return 1
		}
	}
	switch {
	case v.Pre == w.Pre:
		return 0
	case v.Pre == "":
		return 1
	case w.Pre == "":
		return -1
	case v.Pre < w.Pre:
		return -1
	}
	return 1
}

// hasPrefix tells whether v starts with the numbers of p: 20.11.1 starts
// with 20 and with 20.11.
func (v Version) hasPrefix(p Version) bool {
	if len(p.Parts) > len(v.Parts) {
		// 1.26 written as a prefix matches the release 1.26 (go writes its
		// first release of a line as go1.26, not go1.26.0).
		for i := len(v.Parts); i < len(p.Parts); i++ {
			if p.Parts[i] != 0 {
				return false
			}
		}
	}
	for i := range min(len(p.Parts), len(v.Parts)) {
		if v.Parts[i] != p.Parts[i] {
			return false
		}
	}
	return p.Pre == "" || p.Pre == v.Pre
}
