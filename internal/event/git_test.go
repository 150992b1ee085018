package event

import (
	"encoding/json"
	"testing"
	"time"
)

// TestGitAndSinceAreOptional: docs/design.md's event shape is kept; the git
// state and a container's start are added only where known.
func TestGitAndSinceAreOptional(t *testing.T) {
	ts := time.Date(2026, 11, 22, 10, 0, 0, 123e6, time.UTC)
	plain, _ := json.Marshal(Event{TS: ts, Kind: Repo, Name: "api", Phase: Cloned})
	if want := `{"ts":"2026-11-22T10:00:00.123Z","kind":"repo","name":"api","phase":"cloned"}`; string(plain) != want {
		t.Errorf("without git or since:\n got %s\nwant %s", plain, want)
	}
	withGit, _ := json.Marshal(Event{TS: ts, Kind: Repo, Name: "api", Phase: Unchanged,
		Git: &Git{Branch: "feature/x", Head: "0123456789", Want: "master", Dirty: 2}})
	if want := `{"ts":"2026-11-22T10:00:00.123Z","kind":"repo","name":"api","phase":"unchanged","git":{"branch":"feature/x","head":"0123456789","want":"master","ahead":0,"behind":0,"dirty":2,"untracked":0}}`; string(withGit) != want {
		t.Errorf("with git:\n got %s\nwant %s", withGit, want)
	}
	started := ts.Add(-4 * time.Minute)
	withSince, _ := json.Marshal(Event{TS: ts, Kind: Infra, Name: "redis", Phase: Healthy, Since: started})
	var back Event
	if err := json.Unmarshal(withSince, &back); err != nil || !back.Since.Equal(started) {
		t.Errorf("since did not survive JSON: %s → %v (%v)", withSince, back.Since, err)
	}
}

// TestGitCountsAreAlwaysInTheJSON: a script reads ahead, behind, dirty and
// untracked and must find them, zero or not (issue 18); the names, which
// may be unknown, stay optional.
func TestGitCountsAreAlwaysInTheJSON(t *testing.T) {
	for _, g := range []Git{{}, {Branch: "master", Want: "master", Upstream: "origin/master"}, {Ahead: 1, Behind: 2, Dirty: 3, Untracked: 4}} {
		b, err := json.Marshal(g)
		if err != nil {
			t.Fatal(err)
		}
		var keys map[string]any
		if err := json.Unmarshal(b, &keys); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"ahead", "behind", "dirty", "untracked"} {
			if _, ok := keys[k]; !ok {
				t.Errorf("%+v: %s lacks %q", g, b, k)
			}
		}
		var back Git
		if err := json.Unmarshal(b, &back); err != nil || back != g {
			t.Errorf("%s read back as %+v (%v)", b, back, err)
		}
	}
}

func TestGitString(t *testing.T) {
	cases := []struct {
		g    Git
		want string
	}{
		{Git{Branch: "master", Want: "master"}, "master"},
		{Git{Branch: "master", Want: "master", Ahead: 1, Dirty: 2, Untracked: 3}, "master ↑1 *2 ?3"},
		{Git{Branch: "master", Want: "master", Untracked: 1}, "master ?1"},
		{Git{Branch: "feature/x", Want: "master", Dirty: 4}, "feature/x ≠master *4"},
		{Git{Head: "0123456789abcdef", Want: "master", Behind: 1, Untracked: 12}, "detached 0123456 ≠master ↓1 ?12"},
	}
	for _, c := range cases {
		if got := c.g.String(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.g, got, c.want)
		}
	}
	if !(Git{Branch: "master", Want: "master", Untracked: 1}).Notable() {
		t.Error("a repo with an untracked file is not notable")
	}
}
