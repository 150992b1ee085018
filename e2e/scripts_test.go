package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// scripts/local-images.sh names no mirror itself: it reads the Debian
// archive and its security archive from the machine's apt sources, in both
// of apt's forms, and DEBIAN_MIRROR still wins.
func TestLocalImagesTakesItsMirrorsFromAptSources(t *testing.T) {
	apt := t.TempDir()
	if err := os.MkdirAll(filepath.Join(apt, "sources.list.d"), 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		// One-line form, with options and a source line to skip.
		"sources.list": "# the archive\n" +
			"deb-src http://src.example/debian bookworm main\n" +
			"deb [arch=amd64 signed-by=/usr/share/keyrings/k.gpg] http://mirror.example/debian/ bookworm main contrib\n",
		// deb822 form: a disabled paragraph, then one of several URIs and
		// suites on continuation lines.
		"sources.list.d/debian.sources": "Types: deb\nURIs: http://disabled.example/debian\nSuites: bookworm-security\nEnabled: no\n\n" +
			"Types: deb deb-src\n# the security archive\nURIs: http://security.example/debian-security\n http://second.example/debian-security\nSuites: bookworm-security\nComponents: main\n",
		// Someone else's repository, which is not Debian's archive.
		"sources.list.d/nodesource.list": "deb https://deb.nodesource.example/node_20.x nodistro main\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(apt, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run := func(env ...string) string {
		t.Helper()
		cmd := exec.Command("../scripts/local-images.sh", "--print-mirrors")
		cmd.Env = append(withoutMirrors(os.Environ()), append([]string{"APT_SOURCES_DIR=" + apt}, env...)...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("local-images.sh --print-mirrors: %v\n%s", err, out)
		}
		return string(out)
	}
	want := "DEBIAN_MIRROR=http://mirror.example/debian\nDEBIAN_SECURITY_MIRROR=http://security.example/debian-security\n"
	if got := run(); got != want {
		t.Errorf("from apt's sources:\n%s\nwant:\n%s", got, want)
	}
	if got := run("DEBIAN_MIRROR=http://override.example/debian"); !strings.HasPrefix(got, "DEBIAN_MIRROR=http://override.example/debian\n") {
		t.Errorf("DEBIAN_MIRROR did not win:\n%s", got)
	}
	// No Debian source at all: nothing is made up.
	empty := t.TempDir()
	cmd := exec.Command("../scripts/local-images.sh", "--print-mirrors")
	cmd.Env = append(withoutMirrors(os.Environ()), "APT_SOURCES_DIR="+empty)
	if out, _ := cmd.CombinedOutput(); string(out) != "DEBIAN_MIRROR=\nDEBIAN_SECURITY_MIRROR=\n" {
		t.Errorf("with no apt sources:\n%s", out)
	}
}

func withoutMirrors(env []string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, "DEBIAN_MIRROR=") && !strings.HasPrefix(kv, "DEBIAN_SECURITY_MIRROR=") && !strings.HasPrefix(kv, "APT_SOURCES_DIR=") {
			out = append(out, kv)
		}
	}
	return out
}
