package watch

import (
	"path/filepath"
	"strings"
)

// builtinIgnores are ignored in every repo, below every other rule (a repo
// whose .gitignore says !build/ watches its build folder): dependency and
// build output folders of the usual languages, what a running worker
// writes beside its code (Python's bytecode, log files: watched, they
// would restart it forever), and the files editors write beside the one
// being saved (vim's swap files and its 4913 write test, emacs' lock and
// autosave files, JetBrains' safe-write copies, backups).
var builtinIgnores = []string{
	"node_modules/", "vendor/", "target/", "dist/", "build/",
	"__pycache__/", "*.pyc", "*.log",
	"*.swp", "*.swo", "*.swx", "*~", "4913", ".#*", `\#*#`,
	"*___jb_tmp___", "*___jb_old___", ".DS_Store",
}

// rules are the ignore patterns of one repo, in git's order of priority,
// highest first: the service's watch.ignore, each folder's .gitignore (the
// deepest first), .git/info/exclude, the user's global excludes, and
// builtinIgnores. .git itself is never watched, whatever the patterns say.
type rules struct {
	extra   []pattern
	files   map[string][]pattern // .gitignore by folder, relative and slash-separated, "." for the root
	exclude []pattern
	global  []pattern
	builtin []pattern
}

func newRules(dir string, extra, global, builtin []pattern) *rules {
	return &rules{
		extra:   extra,
		files:   map[string][]pattern{},
		exclude: parsePatterns(readCapped(infoExclude(dir))),
		global:  global,
		builtin: builtin,
	}
}

// fresh returns rules with the same fixed patterns and no .gitignore read
// yet, for a walk that reads them anew.
func (r *rules) fresh() *rules {
	return &rules{extra: r.extra, files: map[string][]pattern{}, exclude: r.exclude, global: r.global, builtin: r.builtin}
}

// ignored tells whether the path itself (its parts, relative to the repo)
// is ignored. Whether a folder above it is ignored is the tree's question.
func (r *rules) ignored(parts []string, isDir bool) bool {
	if ig, ok := decide(r.extra, parts, isDir); ok {
		return ig
	}
	for i := len(parts) - 1; i >= 0; i-- {
		folder := "."
		if i > 0 {
			folder = strings.Join(parts[:i], "/")
		}
		if list, ok := r.files[folder]; ok {
			if ig, ok := decide(list, parts[i:], isDir); ok {
				return ig
			}
		}
	}
	for _, list := range [][]pattern{r.exclude, r.global, r.builtin} {
		if ig, ok := decide(list, parts, isDir); ok {
			return ig
		}
	}
	return false
}

// load reads the .gitignore of folder rel (at abs), or forgets the one it
// had when there is none.
func (r *rules) load(abs, rel string) {
	r.set(rel, readIgnoreFile(abs))
}

// set makes list the .gitignore of folder rel; nil forgets it.
func (r *rules) set(rel string, list []pattern) {
	if list == nil {
		delete(r.files, rel)
		return
	}
	r.files[rel] = list
}

// readIgnoreFile reads the .gitignore of folder abs: nil when there is
// none, or it cannot be read.
func readIgnoreFile(abs string) []pattern {
	data := readCapped(filepath.Join(abs, ".gitignore"))
	if data == nil {
		return nil
	}
	list := parsePatterns(data)
	if list == nil {
		list = []pattern{} // an empty .gitignore is one all the same
	}
	return list
}

// infoExclude is the repo's .git/info/exclude. In a worktree or a
// submodule .git is a file naming the real git folder, and a worktree's
// exclude lives in the folder it shares with the main repo.
func infoExclude(dir string) string {
	gitDir := filepath.Join(dir, ".git")
	if data := readCapped(gitDir); data != nil {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(string(data)), "gitdir:"); ok {
			gitDir = resolveFrom(dir, strings.TrimSpace(rest))
			if common := readCapped(filepath.Join(gitDir, "commondir")); common != nil {
				gitDir = resolveFrom(gitDir, strings.TrimSpace(string(common)))
			}
		}
	}
	return filepath.Join(gitDir, "info", "exclude")
}

func resolveFrom(dir, p string) string {
	p = filepath.FromSlash(p)
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}
