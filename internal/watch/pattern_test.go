package watch

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestIgnoredAgreesWithGit builds a repo per case with real .gitignore
// files (root and nested) and .git/info/exclude, asks `git check-ignore`
// which of its paths git ignores, and checks that the tree says the same of
// every one. Paths ending in / are folders.
func TestIgnoredAgreesWithGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatal("git is needed for this test: install git")
	}
	tests := []struct {
		name  string
		files map[string]string // ignore file (relative) -> content
		paths []string
	}{
		{"name anywhere", map[string]string{".gitignore": "*.log\nsecret\n"},
			[]string{"a.log", "sub/b.log", "sub/deep/c.log", "a.txt", "secret", "sub/secret", "secret2", "logs.log/", "logs.log/x.txt"}},
		{"negation", map[string]string{".gitignore": "*.log\n!important.log\n"},
			[]string{"x.log", "important.log", "sub/important.log", "sub/x.log"}},
		{"a negated file in an ignored folder stays ignored", map[string]string{".gitignore": "build/\n!build/keep.txt\n"},
			[]string{"build/", "build/keep.txt", "build/other.txt", "src/build/", "src/build/x"}},
		{"folder only", map[string]string{".gitignore": "out/\ncache/\n"},
			[]string{"out/", "out/a", "sub/out/", "sub/out/b", "cache", "sub/cache"}},
		{"anchored", map[string]string{".gitignore": "/root.txt\ndoc/*.txt\n/gen/\n"},
			[]string{"root.txt", "sub/root.txt", "doc/a.txt", "doc/x/b.txt", "sub/doc/a.txt", "gen/", "gen/x", "sub/gen/"}},
		{"double star", map[string]string{".gitignore": "**/deep/x\na/**/b\nfoo/**\n**/tmp\n"},
			[]string{"deep/x", "sub/deep/x", "sub/sub/deep/x", "a/b/", "a/1/b", "a/1/2/b", "a/b/c", "foo/", "foo/y", "foo/z/w", "tmp", "q/tmp/", "q/tmp/r"}},
		{"double star backtracks", map[string]string{".gitignore": "a/**/b/c\n"},
			[]string{"a/b/c", "a/b/x/b/c", "a/x/b/c", "a/b/y"}},
		{"star does not cross folders", map[string]string{".gitignore": "src/*.go\n"},
			[]string{"src/a.go", "src/x/b.go"}},
		{"classes and escapes", map[string]string{".gitignore": "[!a]z.c\n\\#hash\n\\!bang\nsp\\ \n?x\n"},
			[]string{"bz.c", "az.c", "#hash", "!bang", "sp ", "ax", "abx"}},
		{"whitelist", map[string]string{".gitignore": "*\n!*/\n!*.go\n"},
			[]string{"main.go", "README", "pkg/", "pkg/a.go", "pkg/b.txt"}},
		{"a re-included folder keeps its files ignored by name", map[string]string{".gitignore": "*\n!src\n"},
			[]string{"src/", "src/x.txt", "top.txt"}},
		{"trailing spaces and CRLF", map[string]string{".gitignore": "a.txt   \r\nb.txt\r\n"},
			[]string{"a.txt", "b.txt"}},
		{"nested gitignore", map[string]string{
			".gitignore":     "*.tmp\n",
			"sub/.gitignore": "!keep.tmp\n/local\nonly-here\n",
		}, []string{"x.tmp", "keep.tmp", "sub/keep.tmp", "sub/x.tmp", "sub/deeper/keep.tmp", "sub/local", "sub/deeper/local", "local", "only-here", "sub/deeper/only-here"}},
		{"deeper gitignore wins", map[string]string{
			".gitignore":        "!*.gen\n",
			"a/.gitignore":      "*.gen\n",
			"a/b/.gitignore":    "!x.gen\n",
			".git/info/exclude": "*.gen\nexcluded\n",
		}, []string{"top.gen", "a/y.gen", "a/b/x.gen", "a/b/y.gen", "excluded", "a/excluded"}},
		{"info exclude", map[string]string{".git/info/exclude": "*.bak\n"},
			[]string{"x.bak", "sub/y.bak", "x.go"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			git(t, dir, "init", "-q")
			for name, content := range tt.files {
				writeFile(t, filepath.Join(dir, name), content)
			}
			var rels []string
			isDir := map[string]bool{}
			for _, p := range tt.paths {
				rel := strings.TrimSuffix(p, "/")
				isDir[rel] = strings.HasSuffix(p, "/")
				if isDir[rel] {
					if err := os.MkdirAll(filepath.Join(dir, rel), 0o755); err != nil {
						t.Fatal(err)
					}
				} else {
					writeFile(t, filepath.Join(dir, rel), "x")
				}
				rels = append(rels, rel)
			}
			byGit := checkIgnore(t, dir, rels)
			tr := &tree{dir: dir, rules: newRules(dir, nil, nil, nil)}
			loadAll(tr) // every .gitignore, those in ignored folders too, to ask about what is inside them
			for _, rel := range rels {
				if got := tr.ignored(rel, isDir[rel]); got != byGit[rel] {
					t.Errorf("%s: ignored = %v, git check-ignore says %v", rel, got, byGit[rel])
				}
			}
		})
	}
}

// loadAll reads every .gitignore of the tree, ignored folders included.
func loadAll(tr *tree) {
	_ = filepath.WalkDir(tr.dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		if d.Name() == ".git" {
			return filepath.SkipDir
		}
		rel, _ := tr.rel(p)
		tr.rules.load(p, rel)
		return nil
	})
}

// checkIgnore asks git which of rels it ignores, with no global or system
// configuration of the machine.
func checkIgnore(t *testing.T, dir string, rels []string) map[string]bool {
	t.Helper()
	cmd := exec.Command("git", "-C", dir, "check-ignore", "--no-index", "--stdin")
	cmd.Env = gitEnv(t)
	cmd.Stdin = strings.NewReader(strings.Join(rels, "\n") + "\n")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		// Exit 1 means none is ignored.
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
			t.Fatalf("git check-ignore: %v: %s", err, errb.String())
		}
	}
	ignored := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if line != "" {
			ignored[line] = true
		}
	}
	return ignored
}

func TestBuiltinAndServiceIgnores(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, ".gitignore"), "!build/\n")
	tr := &tree{
		dir:   dir,
		rules: newRules(dir, mustPatterns("*.gen\n!vendor/\n"), nil, mustPatterns(strings.Join(builtinIgnores, "\n"))),
	}
	tr.rules.load(dir, ".")
	tests := []struct {
		rel     string
		isDir   bool
		ignored bool
	}{
		{"node_modules", true, true},
		{"web/node_modules", true, true},
		{"node_modules", false, false}, // a file of that name is not a folder of dependencies
		{"target", true, true},
		{"dist", true, true},
		{"build", true, false},  // the repo's !build/ wins over the built-in
		{"vendor", true, false}, // watch.ignore's !vendor/ too
		{"__pycache__", true, true},
		{"app/mod.cpython-312.pyc", false, true},
		{"logs/worker.log", false, true},
		{"main.go.swp", false, true},
		{".main.go.swo", false, true},
		{"main.go~", false, true},
		{"4913", false, true},
		{".#main.go", false, true},
		{"#main.go#", false, true},
		{"main.go___jb_tmp___", false, true},
		{"x.gen", false, true},
		{".git", true, true},
		{"sub/.git", true, true},
		{".git/index", false, true},
		{"main.go", false, false},
		{".gitignore", false, false},
	}
	for _, tt := range tests {
		if got := tr.ignored(tt.rel, tt.isDir); got != tt.ignored {
			t.Errorf("ignored(%q, dir=%v) = %v, want %v", tt.rel, tt.isDir, got, tt.ignored)
		}
	}
}

func TestGlobalExcludes(t *testing.T) {
	home := t.TempDir()
	writeFile(t, filepath.Join(home, ".config", "git", "ignore"), ".idea/\n")
	if got := globalExcludes(home); len(got) != 1 || !got[0].Match([]string{".idea"}, true) || got[0].Match([]string{".idea"}, false) {
		t.Errorf("default ~/.config/git/ignore: %+v", got)
	}
	writeFile(t, filepath.Join(home, ".gitconfig"), "[core]\n\texcludesFile = ~/my-ignores\n")
	writeFile(t, filepath.Join(home, "my-ignores"), "*.iml\n.vscode/\n")
	if got := globalExcludes(home); len(got) != 2 || !got[0].Match([]string{"x.iml"}, false) {
		t.Errorf("core.excludesFile ~/my-ignores: %+v", got)
	}
}

func TestScope(t *testing.T) {
	dir := t.TempDir()
	tr := &tree{
		dir:    dir,
		paths:  []string{"src", "vendor/ours", "go.mod"},
		pinned: []string{"deps/lock.json"},
		rules:  newRules(dir, nil, nil, mustPatterns("vendor/\ndeps/\n")),
	}
	for _, rel := range []string{"src/a.go", "src/x/b.go", "go.mod", "vendor/ours/c.go", "deps/lock.json"} {
		if !tr.counts(rel, false) {
			t.Errorf("counts(%q) = false, want true", rel)
		}
	}
	for _, rel := range []string{"README", "go.sum", "vendor/theirs/d.go", "deps/other.json", "srcx/a.go"} {
		if tr.counts(rel, false) {
			t.Errorf("counts(%q) = true, want false", rel)
		}
	}
	for _, rel := range []string{".", "src", "src/x", "vendor", "vendor/ours", "deps"} {
		if !tr.wantsDir(rel) {
			t.Errorf("wantsDir(%q) = false, want true", rel)
		}
	}
	for _, rel := range []string{"docs", "vendor/theirs", "deps/sub"} {
		if tr.wantsDir(rel) {
			t.Errorf("wantsDir(%q) = true, want false", rel)
		}
	}
}

func mustPatterns(s string) []pattern { return parsePatterns([]byte(s)) }

func writeFile(t *testing.T, name, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// gitEnv is an environment in which git reads no configuration of the
// machine or the user.
func gitEnv(t *testing.T) []string {
	home := t.TempDir()
	return append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+home, "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
}

func git(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	cmd.Env = gitEnv(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %s: %v: %s", strings.Join(args, " "), err, out)
	}
}
