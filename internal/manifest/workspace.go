package manifest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// resolveWorkspace sets m.WorkspaceDir. In order: the override
// (--workspace, $CRISPIFY_WORKSPACE), the manifest's workspace (relative to
// the manifest's folder), else the manifest's folder itself, so that a
// manifest checked in beside the repos needs no workspace at all.
func resolveWorkspace(l *loader, m *Manifest) error {
	if l.opts.Workspace != "" {
		dir, err := l.expandHome(l.opts.Workspace)
		if err == nil {
			dir, err = filepath.Abs(dir)
		}
		if err != nil {
			return fmt.Errorf("workspace %s: %w", l.opts.Workspace, err)
		}
		m.WorkspaceDir = dir
		return nil
	}
	if _, set := l.vals["workspace"]; !set || l.bad["workspace"] {
		m.WorkspaceDir = m.Dir
		return nil
	}
	if strings.TrimSpace(m.Workspace) == "" {
		l.add(l.at("workspace"), "workspace is empty: remove the key to use the manifest's folder")
		m.WorkspaceDir = m.Dir
		return nil
	}
	dir, err := l.expandHome(m.Workspace)
	if err != nil {
		l.add(l.at("workspace"), "workspace: %v", err)
		return nil
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(m.Dir, filepath.FromSlash(dir))
	}
	m.WorkspaceDir = filepath.Clean(dir)
	return nil
}

// expandHome replaces a leading ~ with the home folder. ~user is refused
// rather than guessed at: it means something else on every platform.
func (l *loader) expandHome(p string) (string, error) {
	if !strings.HasPrefix(p, "~") {
		return p, nil
	}
	rest := p[1:]
	if rest != "" && rest[0] != '/' && rest[0] != filepath.Separator {
		return "", fmt.Errorf("%q: ~user is not supported, write the full path", p)
	}
	home := l.opts.Home
	if home == "" {
		var err error
		if home, err = os.UserHomeDir(); err != nil {
			return "", fmt.Errorf("%q: cannot expand ~: %w", p, err)
		}
	}
	if home == "" {
		return "", errors.New("cannot expand ~: no home folder")
	}
	return filepath.Join(home, filepath.FromSlash(rest)), nil
}
