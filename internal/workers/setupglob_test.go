package workers

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/crispify/crispify/internal/event"
)

// A setup_when glob re-runs setup when a file it matches changes, appears
// or goes, and not for a file it does not match.
func TestSetupWhenGlobFollowsTheFilesItMatches(t *testing.T) {
	stateDir, root := t.TempDir(), t.TempDir()
	write := func(rel, text string) {
		t.Helper()
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("main.go", "package main\n")
	write("cmd/api/api.go", "package api\n")
	write("node_modules/x/y.go", "package y\n") // never looked at
	s := Setup{Name: "api", Dir: filepath.Join(root, "cmd", "api"), Root: root, Commands: []string{"true"}, When: []string{"**/*.go", "go.sum"}}
	run := func() SetupRun {
		t.Helper()
		r, err := RunSetup(context.Background(), stateDir, s, event.Discard)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if r := run(); !r.Ran {
		t.Fatal("the first setup did not run")
	}
	for _, step := range []struct {
		name string
		do   func()
		ran  bool
	}{
		{"nothing changed", func() {}, false},
		{"a file it does not match", func() { write("README.md", "hi\n") }, false},
		{"a folder it never reads", func() { write("node_modules/x/y.go", "package z\n") }, false},
		{"a matched file changed", func() { write("cmd/api/api.go", "package api // v2\n") }, true},
		{"a matched file added", func() { write("cmd/web/web.go", "package web\n") }, true},
		{"a matched file removed", func() { os.Remove(filepath.Join(root, "main.go")) }, true},
	} {
		step.do()
		if r := run(); r.Ran != step.ran {
			t.Errorf("%s: ran %v (%s), want %v", step.name, r.Ran, r.Why, step.ran)
		}
	}
}
