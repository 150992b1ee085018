package event

import (
	"encoding/json"
	"testing"
	"time"
)

// TestGitAndSinceAreOptional: DESIGN.md's event shape is kept; the git
// state and a container's start are added only where known.
func TestGitAndSinceAreOptional(t *testing.T) {
	ts := time.Date(2026, 11, 22, 10, 0, 0, 123e6, time.UTC)
	plain, _ := json.Marshal(Event{TS: ts, Kind: Repo, Name: "api", Phase: Cloned})
	if want := `{"ts":"2026-11-22T10:00:00.123Z","kind":"repo","name":"api","phase":"cloned"}`; string(plain) != want {
		t.Errorf("without git or since:\n got %s\nwant %s", plain, want)
	}
	withGit, _ := json.Marshal(Event{TS: ts, Kind: Repo, Name: "api", Phase: Unchanged,
		Git: &Git{Branch: "feature/x", Head: "0123456789", Want: "master", Dirty: 2}})
	if want := `{"ts":"2026-11-22T10:00:00.123Z","kind":"repo","name":"api","phase":"unchanged","git":{"branch":"feature/x","head":"0123456789","want":"master","dirty":2}}`; string(withGit) != want {
		t.Errorf("with git:\n got %s\nwant %s", withGit, want)
	}
	started := ts.Add(-4 * time.Minute)
	withSince, _ := json.Marshal(Event{TS: ts, Kind: Infra, Name: "redis", Phase: Healthy, Since: started})
	var back Event
	if err := json.Unmarshal(withSince, &back); err != nil || !back.Since.Equal(started) {
		t.Errorf("since did not survive JSON: %s → %v (%v)", withSince, back.Since, err)
	}
}
