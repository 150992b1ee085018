package manifest

import (
	"errors"
	"os"
	"testing"
)

// FuzzParse feeds the loader arbitrary manifests: it may reject them, but
// must not panic, and every rejection must point at a real line.
func FuzzParse(f *testing.F) {
	for _, file := range []string{"testdata/design.yaml", "testdata/full.yaml"} {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, src := range []string{
		"",
		"version: 1\nproject: p\n",
		"version: 1\nproject: p\ninfra:\n  r: {image: i, ports: [\"1:2\", \"[::1]:3:4/udp\"], volumes: [\"./a:/b:ro\"], needs: [r]}\n",
		"version: 1\nproject: p\nservices:\n  a: {repo: r, needs: [b], path: ../x}\n  b: {repo: r, needs: [a], ready: {tcp: 1, http: x}}\n",
		"version: 1\nproject: p\nx-a: &a {repo: r}\nservices:\n  a: {<<: *a, path: a/.git}\n  b: &b {<<: *b}\n",
		"version: 1\nproject: p\nservices: [a, b]\ninfra: {r: [1]}\n",
		"- [\n",
		"a: &a [*a]\n",
		"? {a: b}\n: c\n",
		"version: 1\nproject: p\nworkspace: ~\n---\nversion: 2\n",
	} {
		f.Add([]byte(src))
	}
	ws := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(data, "fuzz.yaml", Options{Workspace: ws, Home: ws})
		if err == nil {
			if m == nil {
				t.Fatal("Parse returned neither a manifest nor an error")
			}
			return
		}
		if m != nil {
			t.Fatal("Parse returned a manifest with an error")
		}
		var errs Errors
		if !errors.As(err, &errs) {
			t.Fatalf("Parse returned %T (%v), want Errors", err, err)
		}
		if len(errs) == 0 {
			t.Fatal("Parse returned empty Errors")
		}
		for _, d := range errs {
			if d.Line < 1 || d.Col < 1 || d.File != "fuzz.yaml" || d.Msg == "" {
				t.Fatalf("bad diagnostic %+v", d)
			}
		}
	})
}
