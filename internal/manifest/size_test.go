package manifest

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// A manifest far larger than any real one is refused before it is parsed:
// a 13 MB one took 600 MB and 7.7 s to be rejected.
func TestOversizedManifestRefusedBeforeParsing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "crispify.yaml")
	var b strings.Builder
	b.WriteString("version: 1\nproject: p\nservices:\n")
	for b.Len() < 13<<20 {
		b.WriteString("  s: {repo: https://gitlab.com/crisp/a-long-enough-repository-name.git, branch: master}\n")
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	_, err := Load(path, Options{Workspace: t.TempDir()})
	took := time.Since(start)
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), "13.0 MB, over the 4 MB a manifest may be") {
		t.Fatalf("err = %v, want the size named against the cap", err)
	}
	if took > time.Second {
		t.Errorf("refusing it took %v", took)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 8<<20 {
		t.Errorf("refusing it allocated %d MB: it was read or parsed", grew>>20)
	}
	if _, err := Parse([]byte(b.String()), "m.yaml", Options{}); err == nil || !strings.Contains(err.Error(), "over the 4 MB") {
		t.Errorf("Parse of 13 MB: %v", err)
	}
}

// A manifest path that names an endless file is refused after the cap, not
// read for ever.
func TestEndlessManifestRefused(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero here")
	}
	start := time.Now()
	_, err := Load("/dev/zero", Options{Workspace: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "over the 4 MB a manifest may be") {
		t.Fatalf("err = %v, want the cap", err)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("refusing it took %v", took)
	}
}
