package manifest

import (
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// A product often keeps several services in one repository (a folder per
// service, or cmd/<service> beside shared packages). Services that name the
// same repo and branch share one clone: one clone, one fetch, one update,
// and each service runs in its own dir and is shaped by its own paths.

// Clone is one working copy of a repo that one or more services use.
type Clone struct {
	// Name is how the clone is shown and named in events: its path under
	// the workspace, as the manifest writes it ("shop", "services/api").
	Name     string
	Repo     string
	Branch   string
	Dir      string   // absolute
	Services []string // in the manifest's order
}

// RunDir is where the service's setup and worker run: its dir inside the
// repo.
func (s *Service) RunDir() string {
	if s.Workdir == "" || s.Workdir == "." {
		return s.Dir
	}
	return filepath.Join(s.Dir, filepath.FromSlash(s.Workdir))
}

// Scope is what of the repo shapes the service, slash-separated and
// relative to the repo's top: its paths, else its dir. Nil means the whole
// repo.
func (s *Service) Scope() []string {
	if len(s.Paths) > 0 {
		out := make([]string, 0, len(s.Paths))
		for _, p := range s.Paths {
			c := path.Clean(p)
			if c == "." {
				return nil
			}
			out = append(out, c)
		}
		return out
	}
	if c := path.Clean(s.Workdir); s.Workdir != "" && c != "." {
		return []string{c}
	}
	return nil
}

// InScope reports whether the repo file f (slash-separated, relative to the
// repo's top) is one that shapes the service.
func (s *Service) InScope(f string) bool {
	return InScope(s.Scope(), f)
}

// InScope reports whether f is one of scope's paths or lies under one; a
// nil scope is the whole repo.
func InScope(scope []string, f string) bool {
	if scope == nil {
		return true
	}
	for _, p := range scope {
		if f == p || strings.HasPrefix(f, p+"/") {
			return true
		}
	}
	return false
}

// CloneName is the name of the clone the service uses: its path.
func (s *Service) CloneName() string { return path.Clean(s.Path) }

// Clones lists the working copies the named services use, each once, in
// the order their first service comes in names.
func (m *Manifest) Clones(names []string) []Clone {
	var out []Clone
	at := map[string]int{}
	for _, name := range names {
		s := m.Services[name]
		if s == nil {
			continue
		}
		key := s.CloneName()
		if i, ok := at[key]; ok {
			out[i].Services = append(out[i].Services, name)
			continue
		}
		at[key] = len(out)
		out = append(out, Clone{Name: key, Repo: s.Repo, Branch: s.Branch, Dir: s.Dir, Services: []string{name}})
	}
	return out
}

// SharingClone lists every service of the manifest that uses the clone the
// named service uses, itself included, in the manifest's order.
func (m *Manifest) SharingClone(name string) []string {
	s := m.Services[name]
	if s == nil {
		return nil
	}
	var out []string
	for _, other := range m.ServiceNames() {
		if m.Services[other].CloneName() == s.CloneName() {
			out = append(out, other)
		}
	}
	return out
}

// sameRepo compares two repo URLs as a user means them: a trailing slash or
// .git does not make another repository.
func sameRepo(a, b string) bool { return repoKey(a) == repoKey(b) }

func repoKey(u string) string {
	u = strings.TrimRight(u, "/")
	return strings.TrimSuffix(u, ".git")
}

// repoName is the last part of a repo URL without .git: the folder a clone
// of several services gets when none names its path, as `git clone` does.
func repoName(u string) string {
	k := repoKey(u)
	if i := strings.LastIndexAny(k, "/:"); i >= 0 {
		k = k[i+1:]
	}
	return k
}

// sharedPaths gives the services that name one repo and branch one path,
// when none of them names one: the repo's name. A group with paths written
// keeps them; checkClones reports a group whose paths disagree.
func sharedPaths(l *loader, m *Manifest) {
	type group struct {
		names   []string
		written bool
	}
	var keys []string
	groups := map[string]*group{}
	for _, name := range m.ServiceNames() {
		s := m.Services[name]
		key := repoKey(s.Repo) + "\x00" + s.Branch
		g := groups[key]
		if g == nil {
			g = &group{}
			groups[key] = g
			keys = append(keys, key)
		}
		g.names = append(g.names, name)
		if l.has(join("services", name) + ".path") {
			g.written = true
		}
	}
	for _, key := range keys {
		g := groups[key]
		if len(g.names) < 2 {
			continue
		}
		shared := repoName(m.Services[g.names[0]].Repo)
		if g.written {
			for _, name := range g.names {
				if l.has(join("services", name) + ".path") {
					shared = m.Services[name].Path
					break
				}
			}
		}
		if shared == "" {
			continue
		}
		for _, name := range g.names {
			if !l.has(join("services", name) + ".path") {
				m.Services[name].Path = shared
			}
		}
	}
}

// ScopeText writes a scope for a message: "cmd/api, internal/shared", or
// "the whole repo".
func ScopeText(scope []string) string {
	if scope == nil {
		return "the whole repo"
	}
	return strings.Join(slices.Clone(scope), ", ")
}
