package watch

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// check cleans a Service and parses its ignore patterns.
func check(s Service) (Service, []pattern, error) {
	if s.Name == "" {
		return s, nil, errors.New("watch: a service needs a name")
	}
	if !filepath.IsAbs(s.Dir) {
		return s, nil, fmt.Errorf("watch %s: repo folder %q is not absolute", s.Name, s.Dir)
	}
	s.Dir = filepath.Clean(s.Dir)
	info, err := os.Stat(s.Dir)
	if err != nil {
		return s, nil, fmt.Errorf("watch %s: repo folder %s: %w: clone the repo first", s.Name, s.Dir, err)
	}
	if !info.IsDir() {
		return s, nil, fmt.Errorf("watch %s: %s is not a folder", s.Name, s.Dir)
	}
	if s.Debounce < 0 {
		return s, nil, fmt.Errorf("watch %s: debounce %s is negative", s.Name, s.Debounce)
	}
	if s.Debounce == 0 {
		s.Debounce = DefaultDebounce
	}
	if s.Paths, err = cleanRel(s.Name, "path", s.Paths); err != nil {
		return s, nil, err
	}
	for _, p := range s.Paths {
		if p == "." {
			s.Paths = nil // the whole repo
			break
		}
	}
	if s.SetupWhen, err = cleanRel(s.Name, "setup_when file", s.SetupWhen); err != nil {
		return s, nil, err
	}
	var extra []pattern
	for _, line := range s.Ignore {
		if p, ok := parsePattern(line); ok {
			extra = append(extra, p)
		}
	}
	return s, extra, nil
}

// within tells whether dir is base or inside it.
func within(dir, base string) bool {
	return dir == base || strings.HasPrefix(dir, base+string(filepath.Separator))
}

// cleanRel cleans paths relative to a repo, refusing those outside it or
// inside .git.
func cleanRel(service, what string, paths []string) ([]string, error) {
	out := make([]string, 0, len(paths))
	for _, p := range paths {
		clean := path.Clean(strings.ReplaceAll(p, `\`, "/"))
		if p == "" || path.IsAbs(clean) || filepath.IsAbs(p) || clean == ".." || strings.HasPrefix(clean, "../") {
			return nil, fmt.Errorf("watch %s: %s %q is not inside the repo: write it relative to the repo", service, what, p)
		}
		if (&tree{}).insideGit(clean) {
			return nil, fmt.Errorf("watch %s: %s %q is inside .git, which is never watched", service, what, p)
		}
		out = append(out, clean)
	}
	return out, nil
}
