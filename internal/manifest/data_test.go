package manifest

import (
	"slices"
	"testing"
)

func TestDataMode(t *testing.T) {
	m := parse(t, doc("version: 1", "project: p", "infra:",
		"  a: {image: redis:7, data: shared}",
		"  b: {image: redis:7, data: branch}",
		"  c: {image: redis:7}"), Options{})
	if !m.Infra["a"].SharedData() || m.Infra["b"].SharedData() || m.Infra["c"].SharedData() {
		t.Errorf("shared: a %v b %v c %v, want only a", m.Infra["a"].SharedData(), m.Infra["b"].SharedData(), m.Infra["c"].SharedData())
	}
	got := diagnose(t, doc("version: 1", "project: p", "infra:",
		"  a: {image: redis:7, data: forked}",
		`  b: {image: redis:7, data: ""}`))
	want := []string{
		`m.yaml:4:29: infra.a.data: "forked" is not one of branch, shared`,
		`m.yaml:5:29: infra.b.data: "" is not one of branch, shared`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("diagnostics:\n%q\nwant\n%q", got, want)
	}
}
