package manifest

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// maxNodes bounds the work of one load. Aliases let a small file name the
// same subtree many times; past this many visited nodes (a large real
// manifest has a few thousand) the loader gives up instead of burning CPU
// on a hostile or broken file.
const maxNodes = 1 << 17

// maxMergeDepth bounds nested "<<" merge keys, which may otherwise loop
// through an anchor that merges itself.
const maxMergeDepth = 16

// pair is one key and value of a YAML mapping, after aliases and merge keys.
type pair struct {
	name string
	key  *yaml.Node
	val  *yaml.Node
}

func at(n *yaml.Node) pos { return pos{n.Line, n.Column} }

// resolve follows aliases to the node they name. It returns nil for a
// broken alias, which callers treat as absent (the YAML parser has already
// rejected it, so this only guards against a malformed tree).
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode; i++ {
		if i > 100 {
			return nil
		}
		n = n.Alias
	}
	return n
}

// isNull tells a missing value (key:, key: ~, key: null): the loader treats it
// as if the key were not written, so that defaults apply.
func isNull(n *yaml.Node) bool {
	return n == nil || n.Kind == 0 || n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// describe names the kind of a node for "expected X, got Y" messages.
func describe(n *yaml.Node) string {
	switch {
	case isNull(n):
		return "nothing"
	case n.Kind == yaml.MappingNode:
		return "a map"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	}
	switch n.ShortTag() {
	case "!!int", "!!float":
		return "a number"
	case "!!bool":
		return "true/false"
	}
	return "a string"
}

// spend charges one visited node to the budget and reports once when it is
// exhausted; callers stop decoding when it returns false.
func (l *loader) spend() bool {
	l.visits++
	if l.visits == maxNodes {
		l.add(pos{1, 1}, "manifest too large: more than %d values once aliases are expanded", maxNodes)
	}
	return l.visits < maxNodes
}

// typeErr reports a value of the wrong kind and marks its path bad, so that
// validators do not report the same value again as missing or empty.
func (l *loader) typeErr(n *yaml.Node, path, want string) {
	l.add(at(n), "%s: expected %s, got %s", path, want, describe(resolve(n)))
	l.bad[path] = true
}

// pairs lists the entries of mapping n, reporting keys that are not strings
// and keys written twice. Merge keys (<<: *anchor) add the entries of the
// anchored maps that n does not set itself, as YAML 1.1 defines them.
func (l *loader) pairs(n *yaml.Node, depth int) []pair {
	if l.visits >= maxNodes {
		return nil
	}
	var out []pair
	var merges []*yaml.Node
	seen := map[string]pos{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if !l.spend() {
			return out
		}
		k, v := resolve(n.Content[i]), n.Content[i+1]
		if k == nil {
			continue
		}
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			merges = append(merges, v)
			continue
		}
		if k.Kind != yaml.ScalarNode {
			l.add(at(k), "a key must be a string, got %s", describe(k))
			continue
		}
		if first, ok := seen[k.Value]; ok {
			l.add(at(k), "duplicate key %q (first at %d:%d)", k.Value, first.line, first.col)
			continue
		}
		seen[k.Value] = at(k)
		out = append(out, pair{k.Value, k, v})
	}
	if len(merges) > 0 && depth >= maxMergeDepth {
		l.add(at(merges[0]), "merge keys (<<) nested more than %d deep", maxMergeDepth)
		return out
	}
	for _, m := range merges {
		for _, src := range l.mergeSources(m) {
			for _, p := range l.pairs(src, depth+1) {
				if _, ok := seen[p.name]; !ok {
					seen[p.name] = at(p.key)
					out = append(out, p)
				}
			}
		}
	}
	return out
}

// mergeSources returns the maps a merge key names: one map, or a list of
// them in priority order.
func (l *loader) mergeSources(v *yaml.Node) []*yaml.Node {
	r := resolve(v)
	if r != nil && r.Kind == yaml.MappingNode {
		return []*yaml.Node{r}
	}
	if r != nil && r.Kind == yaml.SequenceNode {
		var out []*yaml.Node
		for _, item := range r.Content {
			if ri := resolve(item); ri != nil && ri.Kind == yaml.MappingNode {
				out = append(out, ri)
			} else {
				l.add(at(item), "a merge key (<<) takes a map or a list of maps, got %s", describe(ri))
			}
		}
		return out
	}
	l.add(at(v), "a merge key (<<) takes a map or a list of maps, got %s", describe(r))
	return nil
}

// object decodes a mapping with a fixed set of keys. what says where it is
// for unknown-key messages ("in infra \"redis\""). fn is called for every
// allowed key whose value is not null, with the value's path. It returns
// false when n is not a map (or null), so that callers do not pile
// "missing field" mistakes on top of the type error.
func (l *loader) object(n *yaml.Node, path, what string, allowed []string, fn func(key string, v *yaml.Node, path string)) bool {
	return l.mapping(n, path, func(key string, k, v *yaml.Node, p string) {
		if !contains(allowed, key) {
			l.unknownKey(k, key, what, allowed)
			return
		}
		if !isNull(resolve(v)) {
			fn(key, v, p)
		}
	})
}

// mapping walks any mapping, recording the position of every key and
// non-null value under its path. It returns whether n was a map.
func (l *loader) mapping(n *yaml.Node, path string, fn func(key string, k, v *yaml.Node, path string)) bool {
	r := resolve(n)
	if isNull(r) {
		return false
	}
	if r.Kind != yaml.MappingNode {
		l.typeErr(n, path, "a map")
		return false
	}
	for _, p := range l.pairs(r, 0) {
		sub := join(path, p.name)
		l.keys[sub] = at(p.key)
		if !isNull(resolve(p.val)) {
			l.vals[sub] = at(p.val)
		}
		fn(p.name, p.key, p.val, sub)
	}
	return true
}

// str decodes a scalar as written: numbers and booleans keep their text,
// so that "branch: 1.10" is the branch 1.10 and not 1.1.
func (l *loader) str(n *yaml.Node, path string) string {
	r := resolve(n)
	if isNull(r) {
		return ""
	}
	if r.Kind != yaml.ScalarNode {
		l.typeErr(n, path, "a string")
		return ""
	}
	return r.Value
}

// integer decodes a whole number; ok is false when absent or wrong.
func (l *loader) integer(n *yaml.Node, path string) (int, bool) {
	r := resolve(n)
	if isNull(r) {
		return 0, false
	}
	if r.Kind != yaml.ScalarNode || r.ShortTag() != "!!int" {
		l.typeErr(n, path, "a whole number")
		return 0, false
	}
	v, err := strconv.ParseInt(strings.ReplaceAll(r.Value, "_", ""), 0, 32)
	if err != nil {
		l.add(at(r), "%s: %s is out of range", path, r.Value)
		l.bad[path] = true
		return 0, false
	}
	return int(v), true
}

// duration decodes a Go duration string; a negative one is a mistake.
func (l *loader) duration(n *yaml.Node, path string) Duration {
	r := resolve(n)
	if isNull(r) {
		return 0
	}
	if r.Kind != yaml.ScalarNode {
		l.typeErr(n, path, "a duration like 2s")
		return 0
	}
	d, err := time.ParseDuration(r.Value)
	if err != nil {
		l.add(at(r), "%s: bad duration %q: write it like 500ms, 2s or 1m30s", path, r.Value)
		l.bad[path] = true
		return 0
	}
	if d < 0 {
		l.add(at(r), "%s: duration %s is negative", path, r.Value)
		l.bad[path] = true
		return 0
	}
	return Duration(d)
}

// stringList decodes a list of scalars. With single, one scalar is accepted
// as a list of one (setup: "npm ci").
func (l *loader) stringList(n *yaml.Node, path string, single bool) []string {
	r := resolve(n)
	if isNull(r) {
		return nil
	}
	if r.Kind == yaml.ScalarNode {
		if single {
			return []string{r.Value}
		}
		l.add(at(n), "%s: expected a list, got a string (write [%s])", path, r.Value)
		return nil
	}
	if r.Kind != yaml.SequenceNode {
		l.typeErr(n, path, "a list")
		return nil
	}
	out := make([]string, 0, len(r.Content))
	for i, item := range r.Content {
		if !l.spend() {
			break
		}
		p := fmt.Sprintf("%s[%d]", path, i)
		ri := resolve(item)
		if isNull(ri) || ri.Kind != yaml.ScalarNode {
			l.typeErr(item, p, "a string")
			continue
		}
		l.vals[p] = at(item)
		out = append(out, ri.Value)
	}
	return out
}

// stringMap decodes env-like maps: any scalar value becomes its text (PORT:
// 8080 is "8080"), and a null value is the empty string.
func (l *loader) stringMap(n *yaml.Node, path string) map[string]string {
	var out map[string]string
	l.mapping(n, path, func(key string, _, v *yaml.Node, p string) {
		r := resolve(v)
		if out == nil {
			out = map[string]string{}
		}
		switch {
		case isNull(r):
			out[key] = ""
		case r.Kind == yaml.ScalarNode:
			out[key] = r.Value
		default:
			l.typeErr(v, p, "a string, number or true/false")
		}
	})
	return out
}

// join builds the dotted path of a key, as a user would name it:
// services.api.ready.tcp.
func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// noteLiteral records that the scalar at path is written on one line as its
// value reads (plain, or single-quoted without a doubled quote), for atChar.
func (l *loader) noteLiteral(n *yaml.Node, path string) {
	r := resolve(n)
	if r != n || r.Kind != yaml.ScalarNode || strings.ContainsAny(r.Value, "\n\r") {
		return // an alias points elsewhere; a folded value is not its text
	}
	switch {
	case r.Style == 0:
		l.literal[path] = 0
	case r.Style == yaml.SingleQuotedStyle && !strings.Contains(r.Value, "'"):
		l.literal[path] = 1
	}
}

// atChar is where byte off of the value at path was written, when that is
// known (noteLiteral); else where the value starts.
func (l *loader) atChar(path, value string, off int) pos {
	p := l.at(path)
	shift, ok := l.literal[path]
	if !ok || off < 0 || off > len(value) {
		return p
	}
	p.col += shift + utf8.RuneCountInString(value[:off])
	return p
}
