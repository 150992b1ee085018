package stack

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/crispify/crispify/internal/manifest"
	"github.com/crispify/crispify/internal/workers"
)

// The log of a worker that left the manifest (an apply stopped it) can
// still be read by its name; an unknown name, or a path, is refused.
func TestLogsOfAWorkerThatLeftTheManifest(t *testing.T) {
	ws := t.TempDir()
	m, err := manifest.Parse([]byte("version: 1\nproject: logstest\nservices:\n  a: {repo: r, run: ./a}\n"), "crispify.yaml", manifest.Options{Workspace: ws})
	if err != nil {
		t.Fatal(err)
	}
	path := workers.LogPath(m.StateDir(), "b")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(workers.LogStamp(time.Now())+" b was here\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	st := &Stack{Manifest: m}
	var got []string
	if err := st.Logs(context.Background(), []string{"b"}, -1, false, func(name, text string) { got = append(got, name+": "+text) }); err != nil {
		t.Fatalf("logs b: %v", err)
	}
	if len(got) != 1 || got[0] != "b: b was here" {
		t.Errorf("logs b: %q", got)
	}
	for _, name := range []string{"nope", "../logs/b", ".hidden"} {
		if err := st.Logs(context.Background(), []string{name}, -1, false, func(string, string) {}); err == nil || !strings.Contains(err.Error(), "unknown infra or service") {
			t.Errorf("logs %s: %v, want unknown", name, err)
		}
	}
}
