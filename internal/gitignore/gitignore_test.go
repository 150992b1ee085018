package gitignore

import (
	"strings"
	"testing"
)

func TestPatternsMatchAsGitReadsThem(t *testing.T) {
	list := Parse([]byte("# a comment\n*.log\n!keep.log\nbuild/\n/top.txt\ndocs/**/*.md\ntrailing   \n[!a]x\n"), false)
	for _, c := range []struct {
		path  string
		dir   bool
		want  bool
		found bool
	}{
		{"a.log", false, true, true},
		{"sub/deep/a.log", false, true, true},
		{"keep.log", false, false, true},
		{"build", true, true, true},
		{"build", false, false, false}, // build/ takes folders only
		{"top.txt", false, true, true},
		{"sub/top.txt", false, false, false}, // anchored at the file's folder
		{"docs/a/b/c.md", false, true, true},
		{"docs/c.md", false, true, true},
		{"trailing", false, true, true},
		{"bx", false, true, true},
		{"ax", false, false, false},
	} {
		ignored, found := Decide(list, strings.Split(c.path, "/"), c.dir)
		if ignored != c.want || found != c.found {
			t.Errorf("%s (dir %v): ignored %v found %v, want %v %v", c.path, c.dir, ignored, found, c.want, c.found)
		}
	}
	if folded := Parse([]byte("*.LOG\n"), true); !folded[0].Match([]string{"a.log"}, false) {
		t.Error("core.ignoreCase: *.LOG does not take a.log")
	}
}
