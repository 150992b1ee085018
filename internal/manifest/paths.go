package manifest

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// checkPaths makes sure every service's repo lands in a folder of its own,
// strictly inside the workspace, even through symlinks: repos are cloned,
// renamed into place and later removed by path, and a path that escapes
// would let a manifest write anywhere on the developer's disk.
func checkPaths(l *loader, m *Manifest) {
	var wsReal string
	if m.WorkspaceDir != "" {
		real, err := resolveExisting(m.WorkspaceDir)
		if err != nil {
			l.add(l.at("workspace"), "workspace %s cannot be resolved: %v", m.WorkspaceDir, err)
		} else {
			wsReal = real
		}
	}
	type owner struct {
		name  string
		clean string
		at    pos
	}
	var owners []owner
	byPath := map[string]owner{}
	for _, name := range m.ServiceNames() {
		p := join("services", name) + ".path"
		if l.bad[join("services", name)] || l.bad[p] {
			continue
		}
		s := m.Services[name]
		here := l.at(p)
		clean, problem := cleanPath(s.Path)
		if problem == "" && wsReal != "" {
			problem = symlinkEscape(m.WorkspaceDir, wsReal, clean)
		}
		if problem != "" {
			l.add(here, "%s: %s", p, problem)
			continue
		}
		// Compared without case: on macOS and Windows, Api and api are one folder.
		key := strings.ToLower(clean)
		if prev, ok := byPath[key]; ok {
			other := m.Services[prev.name]
			switch {
			case sameRepo(s.Repo, other.Repo) && s.Branch == other.Branch:
				// One repo and branch: the services share the clone.
			case sameRepo(s.Repo, other.Repo):
				l.add(here, "%s: %q holds branch %s of this repo for service %q (at %d:%d): one clone cannot be on two branches; give one of them another path", p, s.Path, other.Branch, prev.name, prev.at.line, prev.at.col)
			default:
				l.add(here, "%s: %q is also the path of service %q (at %d:%d), which clones another repo: give one of them another path", p, s.Path, prev.name, prev.at.line, prev.at.col)
			}
			continue
		}
		o := owner{name, clean, here}
		byPath[key] = o
		owners = append(owners, o)
	}
	for _, o := range owners {
		for dir := path.Dir(o.clean); dir != "."; dir = path.Dir(dir) {
			if outer, ok := byPath[strings.ToLower(dir)]; ok {
				p := join("services", o.name) + ".path"
				l.add(o.at, "%s: %q lies inside %q, the path of service %q (at %d:%d)", p, o.clean, outer.clean, outer.name, outer.at.line, outer.at.col)
				break
			}
		}
	}
}

// cleanPath checks a service path as text and returns it cleaned, with
// slashes; problem is empty when it is fine.
func cleanPath(p string) (clean, problem string) {
	if strings.TrimSpace(p) == "" {
		return "", "is empty"
	}
	if strings.Contains(p, `\`) {
		return "", fmt.Sprintf("%q: use / to separate folders", p)
	}
	if isAbs(p) {
		return "", fmt.Sprintf("%q is absolute: write it relative to the workspace", p)
	}
	clean = path.Clean(p)
	if clean == "." {
		return "", fmt.Sprintf("%q is the workspace itself: name a folder under it", p)
	}
	if clean == ".." || strings.HasPrefix(clean, "../") {
		return "", fmt.Sprintf("%q escapes the workspace", p)
	}
	parts := strings.Split(clean, "/")
	for _, part := range parts {
		if strings.EqualFold(part, ".git") {
			return "", fmt.Sprintf("%q is inside a .git folder", p)
		}
	}
	if strings.EqualFold(parts[0], ".crispify") {
		return "", fmt.Sprintf("%q is inside .crispify, crispify's state folder", p)
	}
	return clean, ""
}

// isAbs reports absolute paths of any platform, so that a manifest means the
// same on every developer's machine.
func isAbs(p string) bool {
	if strings.HasPrefix(p, "/") || strings.HasPrefix(p, `\`) || filepath.IsAbs(p) {
		return true
	}
	return len(p) >= 2 && p[1] == ':' && ('a' <= p[0] && p[0] <= 'z' || 'A' <= p[0] && p[0] <= 'Z')
}

// symlinkEscape resolves the symlinks of the part of ws/clean that exists
// and tells whether the result leaves wsReal (ws, resolved).
func symlinkEscape(ws, wsReal, clean string) string {
	full := filepath.Join(ws, filepath.FromSlash(clean))
	real, err := resolveExisting(full)
	if err != nil {
		return fmt.Sprintf("%q cannot be resolved: %v", clean, err)
	}
	rel, err := filepath.Rel(wsReal, real)
	switch {
	case err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)):
		return fmt.Sprintf("%q escapes the workspace through a symlink: it resolves to %s", clean, real)
	case rel == ".":
		return fmt.Sprintf("%q is the workspace itself through a symlink", clean)
	}
	return ""
}

// resolveExisting is filepath.EvalSymlinks for a path whose tail may not
// exist yet (a repo not cloned): it resolves the longest existing prefix and
// appends the rest unchanged.
func resolveExisting(p string) (string, error) {
	var rest []string
	cur := p
	for {
		info, err := os.Lstat(cur)
		if err == nil {
			real, err := filepath.EvalSymlinks(cur)
			if err != nil {
				if info.Mode()&fs.ModeSymlink != 0 {
					target, _ := os.Readlink(cur)
					return "", fmt.Errorf("%s is a broken symlink (to %s)", cur, target)
				}
				return "", err
			}
			for i := len(rest) - 1; i >= 0; i-- {
				real = filepath.Join(real, rest[i])
			}
			return real, nil
		}
		parent := filepath.Dir(cur)
		if parent == cur {
			return p, nil
		}
		rest = append(rest, filepath.Base(cur))
		cur = parent
	}
}
