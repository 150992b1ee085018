package manifest

import (
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"regexp"
	"strings"
)

// volumeNamePattern is what Docker accepts as a volume name.
const volumeNamePattern = `[a-zA-Z0-9][a-zA-Z0-9_.-]*`

var volumeName = regexp.MustCompile(`^` + volumeNamePattern + `$`)

// parseVolume reads NAME:PATH[:ro|rw] (a named volume) or SRC:PATH[:ro|rw]
// where SRC starts with ".", "/" or "~" (a bind mount). Bind is left as
// written; resolveBinds makes it absolute once the manifest's folder is known.
func parseVolume(s string) (Volume, error) {
	v := Volume{Source: s}
	parts := strings.Split(s, ":")
	if len(parts) == 3 {
		switch parts[2] {
		case "ro":
			v.ReadOnly = true
		case "rw":
		default:
			return v, fmt.Errorf("option %q: use ro or rw", parts[2])
		}
		parts = parts[:2]
	}
	if len(parts) != 2 {
		return v, errors.New(`write NAME:PATH, ./dir:PATH or /abs:PATH, optionally with :ro`)
	}
	src, target := parts[0], parts[1]
	if !strings.HasPrefix(target, "/") {
		return v, fmt.Errorf("container path %q must be absolute", target)
	}
	if path.Clean(target) == "/" {
		return v, errors.New("cannot mount over the container's /")
	}
	v.Target = target
	switch {
	case src == "":
		return v, errors.New("the part before ':' is empty: name a volume or a folder")
	case strings.HasPrefix(src, ".") || strings.HasPrefix(src, "/") || strings.HasPrefix(src, "~"):
		v.Bind = src
	case volumeName.MatchString(src):
		v.Name = src
	default:
		return v, fmt.Errorf("volume name %q must match %s (or start a folder with ./ or /)", src, volumeNamePattern)
	}
	return v, nil
}

// resolveBinds makes bind sources absolute: relative to the manifest's
// folder, with ~ as the home folder.
func resolveBinds(l *loader, m *Manifest) {
	for _, name := range m.InfraNames() {
		vols := m.Infra[name].Volumes
		for i := range vols {
			if vols[i].Bind == "" {
				continue
			}
			dir, err := l.expandHome(vols[i].Bind)
			if err != nil {
				l.add(l.at(l.volumePath(name, i)), "%s: %v", l.volumePath(name, i), err)
				continue
			}
			if !filepath.IsAbs(dir) {
				dir = filepath.Join(m.Dir, filepath.FromSlash(dir))
			}
			vols[i].Bind = filepath.Clean(dir)
		}
	}
}

// checkVolumeTargets reports two mounts on one container path, which Docker
// refuses only when the container is created, long after validation.
func checkVolumeTargets(l *loader, m *Manifest) {
	for _, name := range m.InfraNames() {
		first := map[string]pos{}
		for i, v := range m.Infra[name].Volumes {
			target := path.Clean(v.Target)
			here := l.at(l.volumePath(name, i))
			if prev, ok := first[target]; ok {
				l.add(here, "container path %s of infra %q is mounted twice (first at %d:%d)", target, name, prev.line, prev.col)
				continue
			}
			first[target] = here
		}
	}
}

// volumePath is the YAML path of an infra's i-th decoded volume.
func (l *loader) volumePath(infra string, i int) string {
	if paths := l.volumePaths[infra]; i < len(paths) {
		return paths[i]
	}
	return join("infra", infra) + ".volumes"
}
