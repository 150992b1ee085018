package workers

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/crispify/crispify/internal/manifest"
)

// Bounds of a setup_when pattern: a walk of a repo too large, or a pattern
// matching too much, would cost more than the setup it decides on.
const (
	maxGlobVisits  = 200000
	maxGlobMatches = 10000
)

// skipInGlob are folders a pattern never looks into: git's own, and the
// dependencies a setup installs (what they hold is the setup's output).
var skipInGlob = map[string]bool{".git": true, "node_modules": true}

// hashWhenGlob hashes every regular file of the repo in root that the
// pattern matches: their names and contents, in walk order (sorted), so
// that a file added, removed or changed changes the sum.
func hashWhenGlob(ctx context.Context, root, pattern string) ([]byte, error) {
	h := sha256.New()
	visits, matches := 0, 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if visits++; visits > maxGlobVisits {
			return fmt.Errorf("the repo has over %d files and folders to look through", maxGlobVisits)
		}
		if visits%1024 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		if d.IsDir() {
			if p != root && skipInGlob[d.Name()] {
				return filepath.SkipDir
			}
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil || !d.Type().IsRegular() || !manifest.MatchGlob(pattern, filepath.ToSlash(rel)) {
			return nil
		}
		if matches++; matches > maxGlobMatches {
			return fmt.Errorf("it matches over %d files: name fewer", maxGlobMatches)
		}
		sum, err := hashWhenFile(ctx, root, filepath.ToSlash(rel))
		if err != nil {
			return fmt.Errorf("%s: %w", rel, err)
		}
		fmt.Fprintf(h, "%q %x\n", filepath.ToSlash(rel), sum)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return h.Sum(nil), nil
}
