package stack

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/workers"
)

// The apply plans before it runs: a fetch that moves a clone re-plans its
// services with the move's reason and is no departure; a worker that died
// between the plan and the run is started, and its line says the plan said
// otherwise.
func TestAnApplyKeepsToItsPlanOrSaysWhereItDeparted(t *testing.T) {
	run, recs, ws := newFakeRunner(), newRecords(), t.TempDir()
	rs := &fakeRepos{heads: map[string]string{}, failed: map[string]bool{}, setups: map[string]workers.SetupRun{}}
	a := monoApply(t, ws, run, rs, recs, nil)
	shop := a.m.Services["orders"].Dir
	rs.heads[shop] = "aaa"
	if err := runApply(t, a); err != nil {
		t.Fatal(err)
	}
	run.took()
	if err := os.MkdirAll(filepath.Join(shop, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}

	// The plan sees aaa and leaves everything; the run's fetch brings bbb.
	a = monoApply(t, ws, run, rs, recs, map[string][]string{"aaa..bbb": {"cmd/orders/api.go"}})
	a.expect(context.Background())
	if got := a.expected.workers; got["orders"] != planLeave || got["payments"] != planLeave {
		t.Fatalf("plan before the run: %v, want every worker left", got)
	}
	rs.heads[shop] = "bbb"
	if err := runApply(t, a); err != nil {
		t.Fatal(err)
	}
	if got := run.took(); !slices.Equal(got, []string{"restart orders (3 new commits)"}) {
		t.Errorf("a fetch that moved the clone: %q, want orders restarted with the move's reason alone", got)
	}

	// The clone stays at bbb; payments dies after the plan was made.
	a = monoApply(t, ws, run, rs, recs, nil)
	ev := &events{}
	a.sink = ev
	a.expect(context.Background())
	run.mu.Lock()
	delete(run.running, "payments")
	run.mu.Unlock()
	if err := runApply(t, a); err != nil {
		t.Fatal(err)
	}
	if got := run.took(); !slices.Equal(got, []string{"start payments"}) {
		t.Errorf("after payments died: %q", got)
	}
	spec, _ := run.Running("payments")
	if !strings.Contains(spec.Why, "the plan made before the run said leave") {
		t.Errorf("payments started with %q: it does not say the plan said otherwise", spec.Why)
	}
	for _, name := range []string{"catalogue", "orders"} {
		if e := ev.last(event.Worker, name); strings.Contains(e.Msg, "plan") {
			t.Errorf("%s kept to the plan, yet says %q", name, e.Msg)
		}
	}
}
