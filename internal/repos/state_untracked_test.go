package repos

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// TestReadStateCountsUntracked holds the count of files git neither tracks
// nor ignores to git's own (git status, --untracked-files=normal), on a
// clone whose tracked files are under src/dir0 to src/dir7.
func TestReadStateCountsUntracked(t *testing.T) {
	cases := []struct {
		name  string
		files map[string]string // path -> content; written after the clone
		setup func(t *testing.T, dir string)
		want  int
	}{
		{name: "untracked file", files: map[string]string{"notes.txt": "x"}, want: 1},
		{name: "untracked files beside tracked ones, deep", files: map[string]string{"src/dir1/new.go": "x", "src/dir2/new.go": "x", "top.md": "x"}, want: 3},
		{name: "untracked in an ignored folder", files: map[string]string{
			".gitignore": "node_modules/\n", "node_modules/left-pad/index.js": "x", "node_modules/left-pad/package.json": "x",
		}, want: 1}, // .gitignore itself, not yet added
		{name: "ignored by a pattern, not a folder", files: map[string]string{".gitignore": "*.log\n", "a.log": "x", "src/dir3/b.log": "x", "c.txt": "x"}, want: 2},
		{name: "nested .gitignore", files: map[string]string{
			"src/.gitignore": "*.tmp\n/gen/\n", "src/x.tmp": "x", "src/dir1/y.tmp": "x", "src/gen/out.go": "x", "gen/kept.go": "x",
		}, want: 2}, // src/.gitignore and gen/: /gen/ is anchored at src
		{name: "a deeper .gitignore re-includes", files: map[string]string{
			".gitignore": "*.txt\n", "src/dir1/.gitignore": "!keep.txt\n", "src/dir1/keep.txt": "x", "src/dir1/drop.txt": "x",
		}, want: 3}, // both .gitignore files and keep.txt
		{name: "untracked folder counts once", files: map[string]string{"newsvc/main.go": "x", "newsvc/lib/a.go": "x", "newsvc/lib/b.go": "x"}, want: 1},
		{name: "untracked folder of ignored files only", files: map[string]string{".gitignore": "*.o\n", "obj/a.o": "x", "obj/sub/b.o": "x"}, want: 1},
		{name: "empty folders", setup: func(t *testing.T, dir string) {
			mkdir(t, filepath.Join(dir, "empty", "deeper"))
			mkdir(t, filepath.Join(dir, "src", "dir1", "empty"))
		}, want: 0},
		{name: "file in .git/info/exclude", files: map[string]string{".git/info/exclude": "secret.env\n/scratch/\n", "secret.env": "x", "scratch/a": "x", "src/scratch/b": "x"}, want: 1},
		{name: "core.excludesFile of the repo", files: map[string]string{"../my-ignore": ".idea/\n", ".idea/workspace.xml": "x", "todo": "x"}, setup: func(t *testing.T, dir string) {
			git(t, dir, "config", "core.excludesFile", filepath.Join(dir, "..", "my-ignore"))
		}, want: 1},
		{name: "a name pattern then a negated folder", files: map[string]string{".gitignore": "*.txt\n!src\n", "src/a.txt": "x", "src/dir1/b.txt": "x"}, want: 1},
		{name: "anchored and ** patterns", files: map[string]string{
			".gitignore": "/build\ndocs/**/*.html\nlogs/**\n**/tmp/\n[!a]*.bak\n",
			"build/x":    "x", "src/build/y": "x", "docs/a/b/c.html": "x", "docs/c.md": "x", "logs/today": "x", "src/dir1/tmp/z": "x", "a1.bak": "x", "b1.bak": "x",
		}, want: 4}, // .gitignore, src/build/, docs/ (c.md), a1.bak
		{name: "a tracked folder that is ignored", files: map[string]string{".gitignore": "src/dir4/\n", "src/dir4/new.go": "x"}, want: 1},
		{name: "nested repository", setup: func(t *testing.T, dir string) {
			mkdir(t, filepath.Join(dir, "vendored"))
			git(t, filepath.Join(dir, "vendored"), "init", "-q")
		}, want: 1},
		{name: "symlinks are files", setup: func(t *testing.T, dir string) {
			if err := os.Symlink(os.TempDir(), filepath.Join(dir, "to-a-folder")); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink("nowhere", filepath.Join(dir, "src", "dangling")); err != nil {
				t.Fatal(err)
			}
		}, want: 2},
		{name: "names that sort around a tracked folder", files: map[string]string{"src-old/a": "x", "src.bak": "x", "src0": "x", "sr": "x"}, want: 4},
		{name: "core.ignoreCase", files: map[string]string{".gitignore": "*.LOG\nBuild/\n", "a.log": "x", "build/x": "x"}, setup: func(t *testing.T, dir string) {
			git(t, dir, "config", "core.ignoreCase", "true")
		}, want: 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, dir := stateRepo(t)
			for p, content := range c.files {
				write(t, filepath.Join(dir, p), content)
			}
			if c.setup != nil {
				c.setup(t, dir)
			}
			got, err := readStateInProcess(background(t), dir, "master", &stateMemo{})
			if err != nil {
				t.Fatalf("in process: %v", err)
			}
			if oracle := gitSays(t, dir, "master"); got != oracle {
				t.Errorf("read %+v\n git %+v", got, oracle)
			}
			if got.Untracked != c.want {
				t.Errorf("untracked = %d, want %d", got.Untracked, c.want)
			}
			if want := "master ?" + strconv.Itoa(c.want); c.want > 0 && got.String() != want {
				t.Errorf("String() = %q, want %q", got, want)
			}
		})
	}
}

// TestReadStateHonoursTheGlobalExcludes: the user's own excludes file, by
// git's default path and by core.excludesFile of the global config.
func TestReadStateHonoursTheGlobalExcludes(t *testing.T) {
	_, dir := stateRepo(t)
	write(t, filepath.Join(dir, ".idea", "workspace.xml"), "x")
	write(t, filepath.Join(dir, ".vscode", "settings.json"), "x")
	xdg := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", xdg)
	write(t, filepath.Join(xdg, "git", "ignore"), ".idea/\n")
	check := func(what string, want int) {
		t.Helper()
		got, err := ReadState(background(t), dir, "master")
		if err != nil {
			t.Fatal(err)
		}
		if oracle := gitSays(t, dir, "master"); got != oracle || got.Untracked != want {
			t.Errorf("%s: read %+v\n git %+v, want %d untracked", what, got, oracle, want)
		}
	}
	check("git's default excludes file", 1)

	global := filepath.Join(t.TempDir(), "gitconfig")
	write(t, global, "[core]\n\texcludesFile = "+filepath.Join(xdg, "other-ignore")+"\n")
	write(t, filepath.Join(xdg, "other-ignore"), ".idea/\n.vscode/\n")
	t.Setenv("GIT_CONFIG_GLOBAL", global)
	check("core.excludesFile of the global config", 0)
}

// TestRefreshSeesAFileAddedAndRemoved: a live stack's reader, which
// remembers what it can per folder, still sees each file come and go.
func TestRefreshSeesAFileAddedAndRemoved(t *testing.T) {
	_, dir := stateRepo(t)
	r := NewStateReader()
	for i, step := range []struct {
		do   func()
		want string
	}{
		{func() {}, "master"},
		{func() { write(t, filepath.Join(dir, "new.go"), "x") }, "master ?1"},
		{func() { write(t, filepath.Join(dir, "newdir", "a.go"), "x") }, "master ?2"},
		{func() { git(t, dir, "add", "new.go") }, "master *1 ?1"},
		{func() { os.RemoveAll(filepath.Join(dir, "newdir")) }, "master *1"},
	} {
		step.do()
		st, err := r.Read(background(t), dir, "master")
		if err != nil {
			t.Fatal(err)
		}
		if st.String() != step.want {
			t.Errorf("step %d: %q, want %q", i, st, step.want)
		}
	}
}

func mkdir(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
}
