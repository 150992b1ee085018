package main

import (
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPagesAndCompletions(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "1795000000")
	dir := t.TempDir()
	if err := run(dir, "1.2.3"); err != nil {
		t.Fatal(err)
	}
	page := func(name string) string {
		f, err := os.Open(filepath.Join(dir, "man", name+".gz"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	for _, tc := range []struct{ page, says string }{
		{"crispify.1", `.TH "CRISPIFY" "1" "Nov 2026" "crispify 1.2.3" "crispify manual"`},
		{"crispify-local.1", "crispify-local - Clone what is missing"},
		{"crispify-remote.1", "fast-forward"},
		{"crispify-doctor.1", "vm.max_map_count"},
		{"decrispify.1", ".so man1/crispify-down.1"},
	} {
		if got := page(tc.page); !strings.Contains(got, tc.says) {
			t.Errorf("%s lacks %q:\n%s", tc.page, tc.says, got)
		}
	}
	// Hidden commands are the supervisor's own: no page.
	if _, err := os.Stat(filepath.Join(dir, "man", "crispify-__daemon.1.gz")); err == nil {
		t.Error("the hidden __daemon command has a man page")
	}
	for name, says := range map[string]string{
		"crispify.bash": "__start_crispify",
		"_crispify":     "#compdef crispify",
		"crispify.fish": "complete -c crispify",
	} {
		b, err := os.ReadFile(filepath.Join(dir, "completions", name))
		if err != nil || !strings.Contains(string(b), says) {
			t.Errorf("completion %s lacks %q (%v)", name, says, err)
		}
	}
}
