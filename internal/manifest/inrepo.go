package manifest

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// ErrOutsideRepo says a path the manifest gives relative to a repo (an
// env_file, a setup_when file) leads out of it, as written or through a
// symlink.
var ErrOutsideRepo = errors.New("outside the repo")

// relProblem checks such a path as text; empty when it is fine.
func relProblem(p string) string {
	switch clean := path.Clean(strings.ReplaceAll(p, `\`, "/")); {
	case strings.TrimSpace(p) == "":
		return "is empty"
	case isAbs(p):
		return fmt.Sprintf("%q is absolute: write it relative to the repo", p)
	case clean == ".." || strings.HasPrefix(clean, "../"):
		return fmt.Sprintf("%q leads out of the repo", p)
	case clean == ".":
		return fmt.Sprintf("%q is the repo itself: name a file in it", p)
	}
	return ""
}

// InRepo resolves rel, a path relative to the repo in repoDir, to where it
// is on disk, following symlinks only while they stay inside the repo: a
// manifest must not make crispify read, hash or hand to a worker a file
// elsewhere on the developer's disk. A path whose tail does not exist yet
// resolves as far as it does. The error wraps ErrOutsideRepo when it leaves.
func InRepo(repoDir, rel string) (string, error) {
	if problem := relProblem(rel); problem != "" {
		return "", fmt.Errorf("%s, %w", problem, ErrOutsideRepo)
	}
	root, err := filepath.EvalSymlinks(repoDir)
	if err != nil {
		return "", fmt.Errorf("resolve the repo %s: %w", repoDir, err)
	}
	full := filepath.Join(root, filepath.FromSlash(rel))
	real, err := resolveExisting(full)
	if err != nil {
		// A broken symlink: judged by where it points, which may be created
		// later.
		target, lerr := os.Readlink(full)
		if lerr != nil {
			return "", err
		}
		if !filepath.IsAbs(target) {
			parent, perr := filepath.EvalSymlinks(filepath.Dir(full))
			if perr != nil {
				return "", err
			}
			target = filepath.Join(parent, target)
		}
		real = filepath.Clean(target)
	}
	if !within(root, real) {
		return "", fmt.Errorf("%q leads to %s through a symlink, %w", rel, real, ErrOutsideRepo)
	}
	return real, nil
}

// within reports whether p is dir or under it.
func within(dir, p string) bool {
	r, err := filepath.Rel(dir, p)
	return err == nil && r != ".." && !strings.HasPrefix(r, ".."+string(filepath.Separator))
}

// checkRepoFiles checks env_file and setup_when: relative, and inside the
// repo through any symlink of the part that exists already (a repo not
// cloned yet is checked again when crispify reads the file).
func checkRepoFiles(l *loader, m *Manifest) {
	for _, name := range m.ServiceNames() {
		s := m.Services[name]
		p := join("services", name)
		if s.EnvFile != "" || l.has(p+".env_file") {
			checkRepoFile(l, s, p+".env_file", s.EnvFile, true)
		}
		for i, f := range s.SetupWhen {
			if IsGlob(f) {
				continue // a pattern: only the files it matches are read, each confined
			}
			// checkSetup has checked these as text.
			checkRepoFile(l, s, fmt.Sprintf("%s.setup_when[%d]", p, i), f, false)
		}
	}
}

func checkRepoFile(l *loader, s *Service, p, rel string, asText bool) {
	if l.bad[p] {
		return
	}
	if problem := relProblem(rel); problem != "" {
		if asText {
			l.add(l.at(p), "%s: %s: it must be a file inside the repo", p, problem)
		}
		return
	}
	if s.Dir == "" {
		return
	}
	if _, err := os.Lstat(s.Dir); errors.Is(err, fs.ErrNotExist) {
		return
	}
	if _, err := InRepo(s.Dir, rel); errors.Is(err, ErrOutsideRepo) {
		l.add(l.at(p), "%s: %v: it must be a file inside the repo", p, err)
	}
}
