package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// status says whose data each infra runs on: a "data" key on every JSON
// row (the branch on an infra row whose container exists, "" elsewhere),
// and in the table's detail, with the swap the next boot makes after a
// switch of a stopped stack.
func TestStatusShowsTheDataBranch(t *testing.T) {
	h := newHarness(t, infraManifest)
	h.run("infra")
	out, _, _ := h.run("status", "--json")
	var raw []map[string]any
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatalf("status --json: %v\n%s", err, out)
	}
	for _, r := range raw {
		data, ok := r["data"]
		if !ok {
			t.Errorf("row %v lacks data", r)
		}
		if want := map[bool]string{true: "master", false: ""}[r["kind"] == "infra"]; data != want {
			t.Errorf("row %v: data %q, want %q", r, data, want)
		}
	}
	out, _, _ = h.run("status")
	if !strings.Contains(out, "data master") {
		t.Errorf("table:\n%s", out)
	}

	state := filepath.Join(h.dir, "ws", ".crispify") // infraManifest's workspace
	os.MkdirAll(state, 0o700)
	os.WriteFile(filepath.Join(state, "switch.json"), []byte(`{"branch":"feature","data":"feature"}`), 0o600)
	if out, _, _ = h.run("status"); !strings.Contains(out, "data master (the next boot runs it on feature's)") {
		t.Errorf("table after a switch of a stopped stack:\n%s", out)
	}
}
