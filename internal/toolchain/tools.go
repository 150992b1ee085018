// Package toolchain checks, before a service's setup runs, that the
// toolchains it needs (node, go, ruby, python) are on the PATH its worker
// gets, in the version it asks for: from tools: in the manifest, else from
// its repo's .tool-versions, .nvmrc / .node-version, go.mod, .ruby-version
// and .python-version. crispify installs no toolchain; it says which is
// missing or wrong, and how to get the right one.
package toolchain

import (
	"regexp"
	"strings"

	"github.com/crispify/crispify/internal/toolchain/constraint"
)

// tool is a toolchain crispify knows how to ask for its version.
type tool struct {
	name string
	// probes are the commands tried in turn: python3, then python.
	probes [][]string
	// version is the pattern of the version in the probe's output; its
	// first group is the version.
	version *regexp.Regexp
	// asdfNames are the names .tool-versions files give it (asdf's
	// plugins and mise's aliases).
	asdfNames []string
}

// The versions in the tools' answers: v20.11.1; go version go1.26.8
// linux/amd64; ruby 3.3.0p0 (...), where p0 is the patch level, not a
// pre-release; Python 3.12.1.
var (
	nodeVersion   = regexp.MustCompile(`(?m)^v?(\d+(?:\.\d+)*(?:-[0-9A-Za-z.]+)?)\s*$`)
	goVersion     = regexp.MustCompile(`\bgo(\d+(?:\.\d+)*(?:(?:rc|beta)\d+)?)\b`)
	rubyVersion   = regexp.MustCompile(`\bruby (\d+(?:\.\d+)*(?:(?:preview|rc|dev)\d*)?)`)
	pythonVersion = regexp.MustCompile(`\bPython (\d+(?:\.\d+)*(?:(?:a|b|rc)\d+)?)`)
)

// toolNames are the tools crispify checks, in the order results are
// reported: the manifest's.
func toolNames() []string { return []string{"node", "go", "ruby", "python"} }

// knownTool returns the tool of a name, ok false for one crispify does not
// check.
func knownTool(name string) (tool, bool) {
	switch name {
	case "node":
		return tool{
			name:      "node",
			probes:    [][]string{{"node", "--version"}},
			version:   nodeVersion,
			asdfNames: []string{"nodejs", "node"},
		}, true
	case "go":
		return tool{
			name:      "go",
			probes:    [][]string{{"go", "version"}},
			version:   goVersion,
			asdfNames: []string{"golang", "go"},
		}, true
	case "ruby":
		return tool{
			name:      "ruby",
			probes:    [][]string{{"ruby", "--version"}},
			version:   rubyVersion,
			asdfNames: []string{"ruby"},
		}, true
	case "python":
		return tool{
			name:      "python",
			probes:    [][]string{{"python3", "--version"}, {"python", "--version"}},
			version:   pythonVersion,
			asdfNames: []string{"python"},
		}, true
	}
	return tool{}, false
}

// toolOfAsdfName maps a .tool-versions name to the tool, "" when crispify
// does not check it.
func toolOfAsdfName(name string) string {
	for _, n := range toolNames() {
		t, _ := knownTool(n)
		for _, a := range t.asdfNames {
			if a == name {
				return n
			}
		}
	}
	return ""
}

// parseOutput finds the version in what a probe printed.
func (t tool) parseOutput(out string) (constraint.Version, bool) {
	m := t.version.FindStringSubmatch(out)
	if m == nil {
		return constraint.Version{}, false
	}
	v, err := constraint.ParseVersion(m[1])
	return v, err == nil
}

// command is a probe as a person would type it, for messages.
func command(probe []string) string { return strings.Join(probe, " ") }
