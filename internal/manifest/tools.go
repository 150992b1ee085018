package manifest

import (
	"strings"

	"github.com/crispify/crispify/internal/toolchain/constraint"
)

// checkTools refuses a tools: version that is no constraint crispify can
// check, and Node's LTS aliases on other tools.
func checkTools(l *loader, m *Manifest) {
	for _, name := range m.ServiceNames() {
		p := join("services", name) + ".tools"
		for _, tool := range keysOf[Tools]() {
			if at := join(p, tool); l.has(at) && !l.bad[at] && l.rawTool(m.Services[name].Tools, tool) == "" {
				l.add(l.at(at), "%s is empty: write a version like 3.12 or >=3.11", at)
			}
		}
		for _, kv := range m.Services[name].Tools.Wanted() {
			tool, text := kv[0], kv[1]
			at := join(p, tool)
			if l.bad[at] {
				continue
			}
			c, err := constraint.Parse(text)
			switch {
			case err != nil:
				l.add(l.at(at), "%s: %v", at, err)
			case c.LTS() || strings.HasPrefix(strings.ToLower(text), "lts/"):
				if tool != "node" {
					l.add(l.at(at), "%s: %q is a Node LTS alias; %s takes a version like 3.12 or >=3.11", at, text, tool)
				}
			}
		}
	}
}

// rawTool is the constraint written for one tool, "" when none.
func (l *loader) rawTool(t *Tools, tool string) string {
	for _, kv := range t.Wanted() {
		if kv[0] == tool {
			return kv[1]
		}
	}
	return ""
}
