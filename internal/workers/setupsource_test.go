package workers

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/crispify/crispify/internal/event"
)

// A setup with no setup_when runs again exactly when what shapes its
// service differs from what its last successful run was built from: a new
// commit that changed a file in scope, or a change in the working tree.
func TestASetupWithoutSetupWhenFollowsItsSource(t *testing.T) {
	stateDir, dir := t.TempDir(), t.TempDir()
	diffs := map[string][]string{"c1": {"cmd/pay/main.go"}, "c2": nil} // by the commit compared from
	since := func(head string) func(context.Context, string) ([]string, error) {
		return func(_ context.Context, from string) ([]string, error) { return diffs[from], nil }
	}
	setup := func(head string, changes map[string]string) Setup {
		return Setup{Name: "pay", Dir: dir, Commands: []string{"true"}, Scope: "cmd/pay",
			Source: &Source{Head: head, Changes: changes, Since: since(head)}}
	}
	steps := []struct {
		name    string
		setup   Setup
		ran     bool
		why     string
		records bool // the record now holds this source
	}{
		{"first", setup("c1", nil), true, "first setup here", true},
		{"same source", setup("c1", nil), false, "nothing changed under cmd/pay", true},
		{"a commit that changed a file in scope", setup("c2", nil), true, "1 file changed: cmd/pay/main.go", true},
		{"a commit that changed nothing in scope", setup("c3", nil), false, "nothing changed under cmd/pay", true},
		{"an edit in the working tree", setup("c3", map[string]string{"cmd/pay/a.go": "h1", "cmd/pay/b.go": "h2"}), true, "2 files changed: cmd/pay/a.go, cmd/pay/b.go", true},
		{"the same edit", setup("c3", map[string]string{"cmd/pay/a.go": "h1", "cmd/pay/b.go": "h2"}), false, "nothing changed under cmd/pay", true},
		{"one edit undone", setup("c3", map[string]string{"cmd/pay/a.go": "h1"}), true, "1 file changed: cmd/pay/b.go", true},
	}
	for _, st := range steps {
		var last event.Event
		run, err := RunSetup(context.Background(), stateDir, st.setup, event.SinkFunc(func(e event.Event) {
			if !e.IsOutput() {
				last = e
			}
		}))
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if run.Ran != st.ran || (run.Ran && run.Why != st.why) || (!run.Ran && last.Msg != st.why) {
			t.Errorf("%s: ran %v (%q), last event %q; want ran %v, %q", st.name, run.Ran, run.Why, last.Msg, st.ran, st.why)
		}
		if st.records {
			rec := readSetupRecord(SetupHashPath(stateDir, "pay"))
			if rec.parts[headPart] != st.setup.Source.Head {
				t.Errorf("%s: recorded at %s, want %s", st.name, rec.parts[headPart], st.setup.Source.Head)
			}
		}
	}
	// History rewritten: the commits cannot be compared, so it runs.
	rewritten := setup("gone2", nil)
	rewritten.Source.Since = func(context.Context, string) ([]string, error) { return nil, errors.New("object not found") }
	ran, why, err := SetupNeeded(context.Background(), stateDir, rewritten)
	if err != nil || !ran || why != "HEAD moved to a commit not comparable with the last build's" {
		t.Errorf("SetupNeeded after a rewrite: %v %q %v", ran, why, err)
	}
	if _, err := os.Stat(SetupHashPath(stateDir, "pay")); err != nil {
		t.Fatal(err)
	}
}

func TestFilesChangedNamesAFewAndCountsTheRest(t *testing.T) {
	if got := filesChanged([]string{"a", "b", "c", "d", "e"}); got != "5 files changed: a, b, c and 2 more" {
		t.Errorf("filesChanged = %q", got)
	}
}
