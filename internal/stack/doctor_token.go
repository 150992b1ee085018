package stack

import (
	"strings"

	"github.com/crispify/crispify/internal/manifest"
	"github.com/crispify/crispify/internal/repos"
)

// tokenCheck says which hosts get CRISPIFY_GIT_TOKEN, and which https
// remotes of the manifest do not and why, so that a developer sees where
// their token goes before any clone sends it.
func tokenCheck(m *manifest.Manifest) Check {
	var urls []string
	for _, name := range m.ServiceNames() {
		urls = append(urls, m.Services[name].Repo)
	}
	rep := repos.TokenUse(urls)
	detail := rep.Summary()
	if len(rep.Withheld) > 0 {
		detail += "; not to " + strings.Join(rep.Withheld, "; ")
	}
	return Check{Name: "token", Detail: detail, OK: true}
}
