package workers

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
)

// Source is what of its repo shapes a service whose setup names no
// setup_when files: the commit HEAD is at, and the working tree's changes
// in the service's paths. Its setup runs again whenever a file there
// differs from what the last successful setup was built from, so that a
// worker never restarts on a stale build (`go build` has no lockfile to
// watch). The caller reads the repo; this package only compares.
type Source struct {
	Head string
	// Changes maps each file in scope that differs from Head to the hash
	// of its content ("deleted" for one that is gone).
	Changes map[string]string
	// Since lists the files in scope that differ between the commit from
	// and Head. An error means the commits cannot be compared (history
	// rewritten): the setup runs again.
	Since func(ctx context.Context, from string) ([]string, error)
}

// Record parts of a source setup: the commit, and each changed file.
const (
	headPart     = "@head"
	filePrefix   = "@file "
	maxFilesSaid = 3
)

// addSource writes the source into a record being made.
func (rec *setupRecord) addSource(h interface{ Write([]byte) (int, error) }, src *Source) {
	fmt.Fprintf(h, "head %s\n", src.Head)
	rec.parts[headPart] = src.Head
	rec.order = append(rec.order, headPart)
	for _, f := range slices.Sorted(maps.Keys(src.Changes)) {
		sum := strings.ReplaceAll(src.Changes[f], " ", "_")
		fmt.Fprintf(h, "changed %q %s\n", f, sum)
		rec.parts[filePrefix+f] = sum
		rec.order = append(rec.order, filePrefix+f)
	}
}

// sourceChanged lists the files in scope that differ between what the old
// record was built from and src: the commits' differences, and the working
// tree's. unknown is set when that cannot be told, and says why.
func sourceChanged(ctx context.Context, old setupRecord, src *Source) (files []string, unknown string) {
	oldHead, ok := old.parts[headPart]
	if !ok {
		return nil, "its last run was recorded without the repo's state"
	}
	seen := map[string]bool{}
	if oldHead != src.Head {
		if src.Since == nil {
			return nil, "HEAD moved"
		}
		changed, err := src.Since(ctx, oldHead)
		if err != nil {
			return nil, "HEAD moved to a commit not comparable with the last build's"
		}
		for _, f := range changed {
			seen[f] = true
		}
	}
	oldFiles := map[string]string{}
	for name, sum := range old.parts {
		if f, ok := strings.CutPrefix(name, filePrefix); ok {
			oldFiles[f] = sum
		}
	}
	for f, sum := range src.Changes {
		if oldFiles[f] != strings.ReplaceAll(sum, " ", "_") {
			seen[f] = true
		}
	}
	for f := range oldFiles {
		if _, ok := src.Changes[f]; !ok {
			seen[f] = true // changed back, or committed: compared with the commit above
		}
	}
	for f := range seen {
		files = append(files, f)
	}
	sort.Strings(files)
	return files, ""
}

// filesChanged says which files changed, for a setup's reason: "2 files
// changed: cmd/api/main.go, go.sum".
func filesChanged(files []string) string {
	said := files
	more := ""
	if len(said) > maxFilesSaid {
		said, more = said[:maxFilesSaid], fmt.Sprintf(" and %d more", len(files)-maxFilesSaid)
	}
	noun := "files"
	if len(files) == 1 {
		noun = "file"
	}
	return fmt.Sprintf("%d %s changed: %s%s", len(files), noun, strings.Join(said, ", "), more)
}

// root is the repo's top, where setup_when files are read.
func (s Setup) root() string {
	if s.Root == "" {
		return s.Dir
	}
	return s.Root
}

// SetupNeeded says whether RunSetup would run the setup now, and why (or
// why not), reading only: what `crispify --dry-run` shows.
func SetupNeeded(ctx context.Context, stateDir string, s Setup) (run bool, why string, err error) {
	if len(s.Commands) == 0 {
		return false, "", nil
	}
	sum, err := setupHash(ctx, s)
	if err != nil {
		return false, "", fmt.Errorf("setup %s: %w", s.Name, err)
	}
	why, unchanged := whyRun(ctx, s, readSetupRecord(SetupHashPath(stateDir, s.Name)), sum)
	if unchanged != "" {
		return false, unchanged, nil
	}
	return true, why, nil
}
