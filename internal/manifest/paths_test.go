package manifest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPathSymlinks(t *testing.T) {
	outside := t.TempDir()
	ws := t.TempDir()
	mustMkdir(t, filepath.Join(ws, "real"))
	mustSymlink(t, outside, filepath.Join(ws, "out"))                         // escapes
	mustSymlink(t, filepath.Join(ws, "real"), filepath.Join(ws, "in"))        // stays inside
	mustSymlink(t, filepath.Join(ws, ".."), filepath.Join(ws, "up"))          // escapes, relative
	mustSymlink(t, filepath.Join(outside, "gone"), filepath.Join(ws, "dead")) // broken
	mustSymlink(t, ws, filepath.Join(ws, "self"))                             // the workspace itself

	src := doc("version: 1", "project: p", "services:",
		"  a: {repo: r, path: out/a}",
		"  b: {repo: r, path: in/b}",
		"  c: {repo: r, path: up/x/c}",
		"  d: {repo: r, path: dead}",
		"  e: {repo: r, path: self}",
		"  f: {repo: r, path: out}",
		"  g: {repo: r, path: not/yet/cloned}",
	)
	_, err := Parse([]byte(src), "m.yaml", Options{Workspace: ws})
	if err == nil {
		t.Fatal("Parse accepted paths escaping through symlinks")
	}
	outReal, _ := filepath.EvalSymlinks(outside)
	wsReal, _ := filepath.EvalSymlinks(ws)
	want := []string{
		`m.yaml:4:22: services.a.path: "out/a" escapes the workspace through a symlink: it resolves to ` + filepath.Join(outReal, "a"),
		`m.yaml:6:22: services.c.path: "up/x/c" escapes the workspace through a symlink: it resolves to ` + filepath.Join(filepath.Dir(wsReal), "x", "c"),
		`m.yaml:7:22: services.d.path: "dead" cannot be resolved: ` + filepath.Join(ws, "dead") + ` is a broken symlink (to ` + filepath.Join(outside, "gone") + `)`,
		`m.yaml:8:22: services.e.path: "self" is the workspace itself through a symlink`,
		`m.yaml:9:22: services.f.path: "out" escapes the workspace through a symlink: it resolves to ` + outReal,
	}
	if got := err.Error(); got != strings.Join(want, "\n") {
		t.Errorf("diagnostics:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
}

// A workspace that is itself reached through a symlink (macOS's /tmp is
// /private/tmp) is not an escape.
func TestSymlinkedWorkspace(t *testing.T) {
	real := t.TempDir()
	link := filepath.Join(t.TempDir(), "ws")
	mustSymlink(t, real, link)
	mustMkdir(t, filepath.Join(real, "api"))
	src := doc("version: 1", "project: p", "services:", "  api: {repo: r1}", "  web: {repo: r2, path: new/web}")
	m, err := Parse([]byte(src), "m.yaml", Options{Workspace: link})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if m.WorkspaceDir != link || m.Services["api"].Dir != filepath.Join(link, "api") {
		t.Errorf("WorkspaceDir, api.Dir = %q, %q: want the symlink kept as written", m.WorkspaceDir, m.Services["api"].Dir)
	}
}

func mustMkdir(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
}

func mustSymlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("symlinks not available: %v", err)
	}
}
