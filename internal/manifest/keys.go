package manifest

import (
	"fmt"
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"
)

// keysOf lists the YAML keys of a struct in declaration order, from its yaml
// tags: the decoder's allowed keys and the schema's properties come from the
// same place, so they cannot disagree.
func keysOf[T any]() []string {
	var keys []string
	for _, f := range reflect.VisibleFields(reflect.TypeFor[T]()) {
		if name := yamlName(f); name != "" {
			keys = append(keys, name)
		}
	}
	return keys
}

// yamlName is the key a field is written as, or "" for fields that are not
// part of the file (yaml:"-", untagged, unexported).
func yamlName(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if name == "-" {
		return ""
	}
	return name
}

// unknownKey reports a key the format does not have, suggesting the closest
// allowed one when it is probably a typo, else listing them all.
func (l *loader) unknownKey(k *yaml.Node, key, what string, allowed []string) {
	if s := l.closest(key, allowed); s != "" {
		l.add(at(k), "unknown key %q %s (did you mean %q?)", key, what, s)
		return
	}
	l.add(at(k), "unknown key %q %s (allowed: %s)", key, what, strings.Join(allowed, ", "))
}

// maxSuggestions bounds the "did you mean" searches of one load: a file of
// thousands of mistakes gets plain messages after the first ones, instead of
// spending minutes comparing names.
const maxSuggestions = 200

// closest is the package's closest, within the load's budget.
func (l *loader) closest(s string, candidates []string) string {
	if l.suggestions >= maxSuggestions {
		return ""
	}
	l.suggestions++
	return closest(s, candidates)
}

// closest returns the candidate nearest to s, if it is near enough to be a
// typo: an edit distance of at most 1 + len/4, ignoring case.
func closest(s string, candidates []string) string {
	limit := 1 + len(s)/4
	best, bestDist := "", limit+1
	for _, c := range candidates {
		if len(c) > len(s)+limit || len(s) > len(c)+limit {
			continue // too far apart in length alone
		}
		if d := distance(strings.ToLower(s), strings.ToLower(c)); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// distance is the edit distance between a and b in bytes, counting a swap
// of two neighbours as one edit (tpc for tcp). Inputs longer than 64 bytes
// are never typos of a key and are not compared, to keep hostile input cheap.
func distance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 1 << 30
	}
	// d[i][j] is the distance between a[:i] and b[:j].
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}

// shortList joins names for "known: ..." hints, naming at most ten so that
// messages stay one readable line.
func shortList(names []string) string {
	if len(names) > 10 {
		return fmt.Sprintf("%s and %d more", strings.Join(names[:10], ", "), len(names)-10)
	}
	return strings.Join(names, ", ")
}

// quoteList formats names for "known: ..." hints.
func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}
