package repos

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Source is what a repo's files are: the commit HEAD is at, and the files
// of the working tree that differ from it (changed, added, deleted, or not
// tracked and not ignored). A setup built from one Source need not run
// again until the part of the repo that shapes its service differs.
type Source struct {
	Head string
	// Changes maps each file that differs from Head (slash-separated,
	// relative to the repo's top) to the sha256 of its content, or to
	// "deleted". Only the files that differ are read, so the cost is that
	// of `git status` plus the files the developer has touched.
	Changes map[string]string
}

// maxSourceFiles caps what a working tree's changes are hashed for: past it
// (a build that writes thousands of files git does not ignore), the
// changes count as one unknown change and setup runs again.
const maxSourceFiles = 5000

// maxSourceFile caps the size of one changed file that is hashed; a larger
// one is known by its size and modification time.
const maxSourceFile = 64 << 20

// ReadSource reads the Source of the repo in dir with the user's git, which
// knows every ignore rule (.gitignore at each level, info/exclude, the
// global excludes file) and the user's settings for line endings and modes.
func ReadSource(ctx context.Context, dir string) (Source, error) {
	g := cliGit{bin: "git"}
	out, err := g.run(ctx, call{dir: dir}, "rev-parse", "--verify", "-q", "HEAD")
	if err != nil {
		return Source{}, fmt.Errorf("read HEAD of the repo in %s: %w", dir, err)
	}
	src := Source{Head: strings.TrimSpace(string(out)), Changes: map[string]string{}}
	out, err = g.run(ctx, call{dir: dir}, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--no-renames", "--ignore-submodules=dirty")
	if err != nil {
		return Source{}, fmt.Errorf("read the changes in the repo in %s: %w", dir, err)
	}
	files := parsePorcelainZ(out)
	if len(files) > maxSourceFiles {
		src.Changes["*"] = fmt.Sprintf("%d files", len(files))
		return src, nil
	}
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return Source{}, err
		}
		sum := fileSum(filepath.Join(dir, filepath.FromSlash(f.path)))
		if f.untracked {
			sum = UntrackedMark + sum
		}
		src.Changes[f.path] = sum
	}
	return src, nil
}

// UntrackedMark starts the sum of a file git does not track: what a build
// may have written, rather than a developer's edit.
const UntrackedMark = "new:"

type statusEntry struct {
	path      string
	untracked bool
}

// parsePorcelainZ lists the paths of `git status --porcelain=v1 -z`
// (without renames: one path an entry).
func parsePorcelainZ(out []byte) []statusEntry {
	var files []statusEntry
	for _, entry := range strings.Split(string(out), "\x00") {
		if len(entry) > 3 {
			files = append(files, statusEntry{path: entry[3:], untracked: entry[:2] == "??"})
		}
	}
	sort.Slice(files, func(i, j int) bool { return files[i].path < files[j].path })
	return files
}

// fileSum is the sha256 of a file's content, "deleted" for one that is
// gone, and the size and time of one too big to read or not regular.
func fileSum(path string) string {
	fi, err := os.Lstat(path)
	if err != nil {
		return "deleted"
	}
	if !fi.Mode().IsRegular() || fi.Size() > maxSourceFile {
		return fmt.Sprintf("%s %d %d", fi.Mode(), fi.Size(), fi.ModTime().UnixNano())
	}
	f, err := os.Open(path)
	if err != nil {
		return "unreadable"
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "unreadable"
	}
	return hex.EncodeToString(h.Sum(nil))
}

// ChangedFiles lists every file (slash-separated, relative to the repo's
// top) that differs between the commits from and to of the repo in dir:
// added, removed or modified.
func ChangedFiles(ctx context.Context, dir, from, to string) ([]string, error) {
	if from == to {
		return nil, nil
	}
	out, err := cliGit{bin: "git"}.run(ctx, call{dir: dir}, "diff-tree", "-r", "-z", "--no-renames", "--name-only", from, to)
	if err != nil {
		return nil, fmt.Errorf("list the files changed from %s to %s in %s: %w", short(from), short(to), dir, err)
	}
	var files []string
	for _, f := range strings.Split(string(out), "\x00") {
		if f != "" {
			files = append(files, f)
		}
	}
	return files, nil
}
