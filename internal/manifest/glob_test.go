package manifest

import "testing"

func TestMatchGlob(t *testing.T) {
	for _, c := range []struct {
		pattern, file string
		want          bool
	}{
		{"**/*.go", "main.go", true},
		{"**/*.go", "cmd/api/main.go", true},
		{"**/*.go", "cmd/api/main.js", false},
		{"web/**/package.json", "web/package.json", true},
		{"web/**/package.json", "web/a/b/package.json", true},
		{"web/**/package.json", "api/package.json", false},
		{"go.*", "go.sum", true},
		{"go.*", "sub/go.sum", false},
		{"cmd/*/main.go", "cmd/x/main.go", true},
		{"cmd/*/main.go", "cmd/x/y/main.go", false},
	} {
		if got := MatchGlob(c.pattern, c.file); got != c.want {
			t.Errorf("MatchGlob(%q, %q) = %v, want %v", c.pattern, c.file, got, c.want)
		}
	}
	if GlobProblem("a**/b") == "" || GlobProblem("[x") == "" || GlobProblem("**/*.go") != "" {
		t.Error("GlobProblem misjudges a pattern")
	}
}
