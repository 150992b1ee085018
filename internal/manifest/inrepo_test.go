package manifest

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestInRepo(t *testing.T) {
	repo := filepath.Join(t.TempDir(), "api")
	outside := t.TempDir()
	os.MkdirAll(filepath.Join(repo, "config"), 0o755)
	os.WriteFile(filepath.Join(repo, "config", "app.env"), []byte("A=1\n"), 0o644)
	os.WriteFile(filepath.Join(outside, "secrets.env"), []byte("A=1\n"), 0o644)
	os.Symlink("config/app.env", filepath.Join(repo, ".env"))
	os.Symlink(filepath.Join(outside, "secrets.env"), filepath.Join(repo, "stolen.env"))
	os.Symlink(outside, filepath.Join(repo, "elsewhere"))
	real, _ := filepath.EvalSymlinks(repo)
	for _, c := range []struct {
		rel, want string // want: the resolved path relative to repo, or "outside"
	}{
		{".env", "config/app.env"},
		{"config/app.env", "config/app.env"},
		{"not/yet.env", "not/yet.env"},
		{"stolen.env", "outside"},
		{"elsewhere/secrets.env", "outside"},
		{"elsewhere/missing", "outside"},
		{"../x.env", "outside"},
		{"/etc/passwd", "outside"},
		{".", "outside"},
	} {
		got, err := InRepo(repo, c.rel)
		if c.want == "outside" {
			if !errors.Is(err, ErrOutsideRepo) {
				t.Errorf("InRepo(%q) = %q, %v; want ErrOutsideRepo", c.rel, got, err)
			}
			continue
		}
		if err != nil || got != filepath.Join(real, filepath.FromSlash(c.want)) {
			t.Errorf("InRepo(%q) = %q, %v; want %s", c.rel, got, err, c.want)
		}
	}
}

func TestEnvFileConfinedToTheRepo(t *testing.T) {
	ws := t.TempDir()
	outside := t.TempDir()
	os.MkdirAll(filepath.Join(ws, "api"), 0o755)
	os.Symlink(filepath.Join(outside, "x.env"), filepath.Join(ws, "api", "link.env"))
	src := doc("version: 1", "project: p", "services:",
		"  api: {repo: r1, env_file: link.env, setup: [x], setup_when: [link.env]}",
		"  web: {repo: r2, env_file: ../api/.env}",
		"  doc: {repo: r3, env_file: /etc/passwd}",
		"  new: {repo: r4, env_file: .env}",
	)
	_, err := Parse([]byte(src), "m.yaml", Options{Workspace: ws})
	got := ""
	if err != nil {
		got = err.Error()
	}
	for _, want := range []string{
		`m.yaml:4:29: services.api.env_file: "link.env" leads to ` + filepath.Join(outside, "x.env"),
		`m.yaml:4:64: services.api.setup_when[0]: "link.env" leads to `,
		`m.yaml:5:29: services.web.env_file: "../api/.env" leads out of the repo: it must be a file inside the repo`,
		`m.yaml:6:29: services.doc.env_file: "/etc/passwd" is absolute: write it relative to the repo: it must be a file inside the repo`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in:\n%s", want, got)
		}
	}
	if strings.Contains(got, "services.new") {
		t.Errorf("a repo not cloned yet with a plain env_file is fine:\n%s", got)
	}
}
