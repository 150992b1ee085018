package manifest

import (
	"fmt"
	"path"
	"strings"

	"gopkg.in/yaml.v3"
)

// Watching tells whether the service's worker is watched from the start:
// under --watch (flag) unless it says watch: false, and without the flag
// when it says watch: true or narrows what is watched. A clone-only service
// has no worker to restart and is never watched.
func (s *Service) Watching(flag bool) bool {
	if s.Run == "" {
		return false
	}
	if s.Watch == nil {
		return flag
	}
	return !s.Watch.Off
}

// watch decodes watch: true, watch: false or watch: {paths, ignore, debounce}.
func (l *loader) watch(service string, n *yaml.Node, path string) *Watch {
	r := resolve(n)
	if r.Kind == yaml.ScalarNode && r.ShortTag() == "!!bool" {
		return &Watch{Off: r.Value != "true" && r.Value != "True" && r.Value != "TRUE"}
	}
	if r.Kind != yaml.MappingNode {
		l.typeErr(n, path, "true, false or a map of paths, ignore and debounce")
		return nil
	}
	w := &Watch{}
	what := fmt.Sprintf("in watch of service %q", service)
	l.object(n, path, what, keysOf[Watch](), func(key string, v *yaml.Node, p string) {
		switch key {
		case "paths":
			w.Paths = l.stringList(v, p, true)
		case "ignore":
			w.Ignore = l.stringList(v, p, true)
		case "debounce":
			w.Debounce = l.duration(v, p)
		}
	})
	return w
}

// checkWatch refuses watched paths outside the repo or inside .git (which
// is never watched), ignore patterns that cannot match anything, a zero
// debounce and watching a service that has no worker to restart.
func checkWatch(l *loader, m *Manifest) {
	for _, name := range m.ServiceNames() {
		s := m.Services[name]
		p := join("services", name) + ".watch"
		if s.Watch == nil || l.bad[p] {
			continue
		}
		if !s.Watch.Off && s.Run == "" && !l.bad[join("services", name)+".run"] {
			l.add(l.at(p), "%s without run: service %q is clone only, there is no worker to restart", p, name)
		}
		for i, f := range s.Watch.Paths {
			at := fmt.Sprintf("%s.paths[%d]", p, i)
			if problem := watchPathProblem(f); problem != "" {
				l.add(l.at(at), "%s: %q %s", at, f, problem)
			}
		}
		for i, pat := range s.Watch.Ignore {
			at := fmt.Sprintf("%s.ignore[%d]", p, i)
			if problem := ignorePatternProblem(pat); problem != "" {
				l.add(l.at(at), "%s: %q %s", at, pat, problem)
			}
		}
		positive(l, p+".debounce", s.Watch.Debounce)
	}
}

// watchPathProblem says what is wrong with a watched path, or "".
func watchPathProblem(f string) string {
	clean := path.Clean(strings.ReplaceAll(f, `\`, "/"))
	switch {
	case strings.TrimSpace(f) == "":
		return "is empty: name a file or folder of the repo"
	case isAbs(f) || clean == ".." || strings.HasPrefix(clean, "../"):
		return "must be a file or folder inside the repo, written relative to it"
	}
	for _, part := range strings.Split(clean, "/") {
		if strings.EqualFold(part, ".git") {
			return "is inside .git, which is never watched"
		}
	}
	return ""
}

// ignorePatternProblem says what is wrong with a .gitignore-style pattern,
// or "": an empty one, or one whose brackets do not close, which git and
// crispify would both silently never match.
func ignorePatternProblem(pat string) string {
	body := strings.TrimSuffix(strings.TrimPrefix(pat, "!"), "/")
	if strings.TrimSpace(body) == "" {
		return "is empty: write a pattern like *.log or tmp/"
	}
	if strings.HasPrefix(pat, "#") {
		return `starts with #, which makes it a comment: write \# for a name that starts with #`
	}
	// git writes a negated class [!a]; Go's matcher [^a].
	body = strings.ReplaceAll(body, "[!", "[^")
	for _, part := range strings.Split(body, "/") {
		if _, err := path.Match(part, ""); err != nil {
			return "is not a valid pattern: a [ is not closed, or a \\ ends it"
		}
	}
	return ""
}
