package manifest

import (
	"fmt"
	"path"
	"strings"
)

// checkWorkdirs checks dir and paths as text: each inside the repo. What
// they name need not exist yet (the repo may not be cloned).
func checkWorkdirs(l *loader, m *Manifest) {
	for _, name := range m.ServiceNames() {
		s := m.Services[name]
		p := join("services", name)
		if l.has(p+".dir") && !l.bad[p+".dir"] {
			if problem := folderProblem(s.Workdir); problem != "" {
				l.add(l.at(p+".dir"), "%s.dir: %s: it must be a folder inside the repo (. for its top)", p, problem)
			}
		}
		for i, f := range s.Paths {
			at := fmt.Sprintf("%s.paths[%d]", p, i)
			if problem := folderProblem(f); problem != "" {
				l.add(l.at(at), "%s: %s: it must be a file or folder inside the repo (. for all of it)", at, problem)
			}
		}
	}
}

// folderProblem is relProblem, with the repo itself allowed.
func folderProblem(p string) string {
	clean := path.Clean(strings.ReplaceAll(p, `\`, "/"))
	switch {
	case strings.TrimSpace(p) == "":
		return "is empty"
	case clean == ".":
		return ""
	case strings.Contains(p, `\`):
		return fmt.Sprintf("%q: use / to separate folders", p)
	}
	if problem := relProblem(p); problem != "" {
		return problem
	}
	for _, part := range strings.Split(clean, "/") {
		if strings.EqualFold(part, ".git") {
			return fmt.Sprintf("%q is inside the .git folder", p)
		}
	}
	return ""
}
