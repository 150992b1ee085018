package toolchain

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/crispify/crispify/internal/manifest"
	"github.com/crispify/crispify/internal/toolchain/constraint"
)

// Wish is one tool a service asks for, and where it asked.
type Wish struct {
	Tool string
	// Wanted is the constraint as shown: as written, or for go.mod's go
	// line, which is a minimum, ">=" and the version.
	Wanted string
	Want   constraint.Constraint
	// Source is where the wish came from: the manifest's file name
	// (crispify.yaml) or a file of the repo (.nvmrc, go.mod, ...).
	Source string
	// Unreadable says why the wish cannot be checked ("" when it can):
	// a .nvmrc naming iojs, a .python-version naming a virtualenv.
	Unreadable string
}

// maxWishFile bounds what is read of one version file: real ones are a
// few lines; a go.mod's go line is near its top.
const maxWishFile = 64 << 10

// toolFiles are the files of a repo that ask for a tool's version, in the
// order they are read after .tool-versions.
func toolFiles(tool string) []string {
	switch tool {
	case "node":
		return []string{".nvmrc", ".node-version"}
	case "go":
		return []string{"go.mod"}
	case "ruby":
		return []string{".ruby-version"}
	case "python":
		return []string{".python-version"}
	}
	return nil
}

// Wishes lists what service s asks of each tool: the manifest's tools: for
// a tool it names; else the repo's .tool-versions; else the tool's own
// file. A repo that is not cloned yet asks only through the manifest.
func Wishes(m *manifest.Manifest, s *manifest.Service) []Wish {
	manifestName := "the manifest"
	if m.File != "" {
		manifestName = filepath.Base(m.File)
	}
	fromManifest := map[string]string{}
	for _, kv := range s.Tools.Wanted() {
		fromManifest[kv[0]] = kv[1]
	}
	toolVersions := readToolVersions(filepath.Join(s.Dir, ".tool-versions"))
	var out []Wish
	for _, name := range toolNames() {
		if text, ok := fromManifest[name]; ok {
			out = append(out, wish(name, text, text, manifestName))
			continue
		}
		if versions, ok := toolVersions[name]; ok {
			if w, ok := toolVersionsWish(name, versions); ok {
				out = append(out, w)
			}
			continue
		}
		for _, file := range toolFiles(name) {
			if w, ok := fileWish(name, file, filepath.Join(s.Dir, file)); ok {
				out = append(out, w)
				break
			}
		}
	}
	return out
}

// wish makes a Wish of a constraint text; one that does not parse is kept
// as unreadable, so that the user hears of it.
func wish(tool, text, wanted, source string) Wish {
	w := Wish{Tool: tool, Wanted: wanted, Source: source}
	c, err := constraint.Parse(text)
	if err != nil {
		w.Unreadable = err.Error()
		return w
	}
	w.Want = c
	return w
}

// readToolVersions reads asdf's and mise's .tool-versions: "nodejs 20.11.1"
// lines, # comments; a tool may list fallbacks after its first version.
func readToolVersions(path string) map[string][]string {
	out := map[string][]string{}
	for _, line := range readLines(path) {
		line, _, _ = strings.Cut(line, "#")
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue
		}
		if tool := toolOfAsdfName(fields[0]); tool != "" {
			if _, seen := out[tool]; !seen {
				out[tool] = fields[1:]
			}
		}
	}
	return out
}

// toolVersionsWish reads the versions a .tool-versions line lists: any of
// them will do (asdf falls back along the list). "system" asks for
// whatever is on the PATH: no wish at all.
func toolVersionsWish(tool string, versions []string) (Wish, bool) {
	var alts []string
	for _, v := range versions {
		switch {
		case v == "system":
			return Wish{}, false
		case strings.HasPrefix(v, "ref:") || strings.HasPrefix(v, "path:") || strings.HasPrefix(v, "sub-"):
			return Wish{Tool: tool, Wanted: v, Source: ".tool-versions", Unreadable: fmt.Sprintf("%q names a build, not a version", v)}, true
		case v == "lts" && tool == "node":
			alts = append(alts, "lts/*")
		case strings.HasPrefix(v, "latest:"):
			alts = append(alts, strings.TrimPrefix(v, "latest:")) // mise's latest:20 is the newest 20
		default:
			alts = append(alts, v)
		}
	}
	return wish(tool, strings.Join(alts, " || "), strings.Join(versions, " "), ".tool-versions"), true
}

// fileWish reads one tool's own version file; ok is false when the repo has
// none.
func fileWish(tool, name, path string) (Wish, bool) {
	lines := readLines(path)
	if lines == nil {
		return Wish{}, false
	}
	if name == "go.mod" {
		return goModWish(lines)
	}
	first := ""
	for _, l := range lines {
		l, _, _ = strings.Cut(l, "#")
		if l = strings.TrimSpace(l); l != "" {
			first = l
			break
		}
	}
	if first == "" {
		return Wish{}, false
	}
	text := first
	switch {
	case first == "system":
		return Wish{}, false
	case tool == "node" && (first == "node" || first == "stable"):
		text = "latest" // nvm's aliases of the newest release
	case tool == "node" && first == "iojs":
		return Wish{Tool: tool, Wanted: first, Source: name, Unreadable: "io.js is not node"}, true
	case tool == "ruby":
		text = strings.TrimPrefix(first, "ruby-") // rbenv and rvm write ruby-3.3.0
	}
	w := wish(tool, text, first, name)
	if w.Unreadable != "" && (tool == "python" || tool == "ruby") {
		// pypy3.10, jruby-9.4 or a virtualenv's name: another interpreter.
		w.Unreadable = fmt.Sprintf("%q is not a version of %s that crispify can compare", first, tool)
	}
	return w, true
}

// goModWish reads go.mod's go line, which is the oldest go that may build
// the module: a minimum, not an exact version.
func goModWish(lines []string) (Wish, bool) {
	for _, l := range lines {
		fields := strings.Fields(l)
		if len(fields) == 2 && fields[0] == "go" {
			return wish("go", ">="+fields[1], ">="+fields[1], "go.mod"), true
		}
	}
	return Wish{}, false
}

// readLines reads at most maxWishFile bytes of a file as lines; nil when it
// does not exist or cannot be read (a folder, no permission).
func readLines(path string) []string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return nil
	}
	lines := []string{}
	sc := bufio.NewScanner(io.LimitReader(f, maxWishFile))
	sc.Buffer(make([]byte, 0, 4096), maxWishFile)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines
}
