package stack

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/repos"
	"github.com/crispify/crispify/internal/workers"
)

const monoManifest = `version: 1
project: monotest
services:
  catalogue:
    repo: file:///remotes/shop.git
    dir: cmd/catalogue
    paths: [cmd/catalogue, internal/shared]
    run: ./bin/catalogue
  orders:
    repo: file:///remotes/shop.git
    dir: cmd/orders
    paths: [cmd/orders, internal/shared]
    run: ./bin/orders
  payments:
    repo: file:///remotes/shop.git
    dir: cmd/payments
    paths: [cmd/payments, internal/shared]
    run: ./bin/payments
`

// monoApply is newTestApply on the shared repo, with the files that
// changed between two commits given by diff.
func monoApply(t *testing.T, ws string, run *fakeRunner, rs *fakeRepos, recs *records, diff map[string][]string) *apply {
	a, _ := newTestApply(t, ws, monoManifest, nil, run, rs, recs)
	a.changed = func(_ context.Context, _ string, from, to string) ([]string, error) {
		return diff[from+".."+to], nil
	}
	return a
}

// One clone serves the three services; a move of it restarts only the
// services whose paths it touched, and the others say why they stay.
func TestAMoveOfASharedCloneRestartsOnlyWhatItTouched(t *testing.T) {
	run, recs, ws := newFakeRunner(), newRecords(), t.TempDir()
	rs := &fakeRepos{heads: map[string]string{}, failed: map[string]bool{}, setups: map[string]workers.SetupRun{}}
	a := monoApply(t, ws, run, rs, recs, nil)
	if clones := a.m.Clones(a.sel.Services); len(clones) != 1 || clones[0].Name != "shop" {
		t.Fatalf("clones %+v, want one, shop", clones)
	}
	rs.heads[a.m.Services["orders"].Dir] = "aaa"
	if err := runApply(t, a); err != nil {
		t.Fatal(err)
	}
	if got := run.took(); !slices.Equal(got, []string{"start catalogue", "start orders", "start payments"}) {
		t.Fatalf("boot: %q", got)
	}
	repoNodes := 0
	for _, n := range a.graph().nodes {
		if n.Kind == event.Repo {
			repoNodes++
		}
	}
	if repoNodes != 1 {
		t.Errorf("the graph has %d repo steps, want one for the shared clone", repoNodes)
	}

	rs.heads[a.m.Services["orders"].Dir] = "bbb"
	diff := map[string][]string{"aaa..bbb": {"cmd/payments/main.go", "README.md"}}
	a = monoApply(t, ws, run, rs, recs, diff)
	ev := &events{}
	a.sink = ev
	if err := runApply(t, a); err != nil {
		t.Fatal(err)
	}
	if got := run.took(); !slices.Equal(got, []string{"restart payments (3 new commits)"}) {
		t.Errorf("a change to payments: %q", got)
	}
	if e := ev.last(event.Worker, "orders"); !strings.Contains(e.Msg, "nothing changed under cmd/orders, internal/shared") {
		t.Errorf("orders' last event: %+v", e)
	}

	// The next move is compared from bbb, which orders was recorded at.
	rs.heads[a.m.Services["orders"].Dir] = "ccc"
	diff = map[string][]string{"bbb..ccc": {"internal/shared/order.go"}}
	a = monoApply(t, ws, run, rs, recs, diff)
	if err := runApply(t, a); err != nil {
		t.Fatal(err)
	}
	want := []string{"restart catalogue (3 new commits)", "restart orders (3 new commits)", "restart payments (3 new commits)"}
	if got := run.took(); !slices.Equal(got, want) {
		t.Errorf("a change to the shared package: %q, want %q", got, want)
	}
}

// A dry run says what the apply would do with the same decisions, and
// does none of it.
func TestADryRunPlansWhatTheApplyDoesAndDoesNothing(t *testing.T) {
	run, recs, ws := newFakeRunner(), newRecords(), t.TempDir()
	rs := &fakeRepos{heads: map[string]string{}, failed: map[string]bool{}, setups: map[string]workers.SetupRun{}}
	a := monoApply(t, ws, run, rs, recs, nil)
	rs.heads[a.m.Services["orders"].Dir] = "aaa"
	if err := runApply(t, a); err != nil {
		t.Fatal(err)
	}
	run.took()

	a = monoApply(t, ws, run, rs, recs, map[string][]string{"aaa..bbb": {"cmd/orders/api.go"}})
	a.mode = Remote
	a.sync = func(_ context.Context, s repos.Spec, o repos.Options, _ event.Sink) repos.Result {
		if !o.DryRun {
			t.Errorf("a dry run synced %s for real", s.Name)
		}
		return repos.Result{Name: s.Name, Phase: event.Updating, Reason: "fast-forward: 1 new commit", Planned: true, To: "bbb"}
	}
	var plan []string
	a.dryRun(context.Background(), event.SinkFunc(func(e event.Event) {
		plan = append(plan, string(e.Phase)+" "+string(e.Item)+" "+e.Name+": "+e.Msg)
	}))
	want := []string{
		"fetch repo shop: fast-forward: 1 new commit",
		"leave worker catalogue: unchanged: nothing changed under cmd/catalogue, internal/shared",
		"restart worker orders: 3 new commits",
		"leave worker payments: unchanged: nothing changed under cmd/payments, internal/shared",
	}
	if !slices.Equal(plan, want) {
		t.Errorf("plan:\n%s\nwant:\n%s", strings.Join(plan, "\n"), strings.Join(want, "\n"))
	}
	if got := run.took(); len(got) != 0 {
		t.Errorf("a dry run did %q", got)
	}
	if was, _ := recs.get("catalogue"); was.head != "aaa" {
		t.Errorf("a dry run recorded catalogue at %s", was.head)
	}
}

// What a rebuild itself writes (files git does not track) never queues
// another; a tracked file saved meanwhile does.
func TestSavedDuringCountsOnlyTrackedFiles(t *testing.T) {
	src := func(head string, changes map[string]string) *workers.Source {
		return &workers.Source{Head: head, Changes: changes}
	}
	for _, c := range []struct {
		name          string
		before, after *workers.Source
		want          string
	}{
		{"nothing", src("a", nil), src("a", nil), ""},
		{"a build's new output", src("a", nil), src("a", map[string]string{"out.txt": repos.UntrackedMark + "1"}), ""},
		{"a build appending to its log", src("a", map[string]string{"runs.txt": repos.UntrackedMark + "1"}), src("a", map[string]string{"runs.txt": repos.UntrackedMark + "2"}), ""},
		{"a tracked file saved", src("a", nil), src("a", map[string]string{"main.go": "h1"}), "main.go"},
		{"a tracked file saved again", src("a", map[string]string{"main.go": "h1"}), src("a", map[string]string{"main.go": "h2"}), "main.go"},
		{"a tracked edit undone", src("a", map[string]string{"main.go": "h1"}), src("a", nil), "main.go"},
		{"a commit", src("a", nil), src("b", nil), "HEAD"},
	} {
		if got := savedDuring(c.before, c.after); got != c.want {
			t.Errorf("%s: savedDuring = %q, want %q", c.name, got, c.want)
		}
	}
}
