package manifest

import (
	"strings"
	"testing"
)

func TestProjectOptionOverridesTheManifests(t *testing.T) {
	src := "version: 1\nproject: crisp\n"
	m, err := Parse([]byte(src), "m.yaml", Options{Workspace: t.TempDir(), Project: "crisp-alice"})
	if err != nil || m.Project != "crisp-alice" {
		t.Fatalf("project %v, err %v", m, err)
	}
	m, err = Parse([]byte(src), "m.yaml", Options{Workspace: t.TempDir()})
	if err != nil || m.Project != "crisp" {
		t.Fatalf("without the option: %v, %v", m, err)
	}
	_, err = Parse([]byte(src), "m.yaml", Options{Workspace: t.TempDir(), Project: "Crisp Alice"})
	if err == nil || !strings.Contains(err.Error(), "--project or CRISPIFY_PROJECT") {
		t.Errorf("a bad override: %v", err)
	}
}
