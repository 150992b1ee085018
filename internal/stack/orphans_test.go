package stack

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/workers"
)

func (f *fakeRunner) Stop(ctx context.Context, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "stop "+name)
	delete(f.running, name)
	return nil
}

func TestAnApplyStopsWhatLeftTheManifestFirstAndSaysSo(t *testing.T) {
	run, recs, ws := newFakeRunner(), newRecords(), t.TempDir()
	rs := &fakeRepos{heads: map[string]string{}, failed: map[string]bool{}, setups: map[string]workers.SetupRun{}}
	a, _ := newTestApply(t, ws, applyManifest, nil, run, rs, recs)
	if err := runApply(t, a); err != nil {
		t.Fatal(err)
	}
	run.took()
	// mailer is renamed postman; docs, which never ran, stays what it is.
	renamed := strings.Replace(applyManifest, "  mailer:", "  postman:", 1)
	a, ev := newTestApply(t, ws, renamed, nil, run, rs, recs)
	a.removed = a.removedWorkers()
	if !slices.Equal(a.removed, []string{"mailer"}) {
		t.Fatalf("removed = %q, want mailer", a.removed)
	}
	if !a.items()[item{event.Worker, "mailer"}] {
		t.Error("the requester does not hear of mailer")
	}
	if err := a.stopRemoved(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := run.took(); !slices.Equal(got, []string{"stop mailer"}) {
		t.Fatalf("before the graph: %q", got)
	}
	if e := ev.last(event.Worker, "mailer"); e.Phase != event.Stopped || e.Msg != "stopped: no longer in the manifest" {
		t.Errorf("mailer's last event: %+v", e)
	}
	if err := runApply(t, a); err != nil {
		t.Fatal(err)
	}
	if got := run.took(); !slices.Contains(got, "start postman") || slices.Contains(got, "stop api") {
		t.Errorf("the apply after the rename: %q", got)
	}
	// A service whose run is taken out stops too; the plan says so first.
	noRun := strings.Replace(renamed, "    run: ./mailer\n", "", 1)
	a, _ = newTestApply(t, ws, noRun, nil, run, rs, recs)
	a.removed = a.removedWorkers()
	var plan []string
	a.dryRun(context.Background(), event.SinkFunc(func(e event.Event) {
		plan = append(plan, string(e.Phase)+" "+string(e.Item)+" "+e.Name+": "+e.Msg)
	}))
	if !slices.Contains(plan, "stop worker postman: no longer in the manifest") {
		t.Errorf("the plan does not stop postman:\n%s", strings.Join(plan, "\n"))
	}
	if got := run.took(); len(got) != 0 {
		t.Errorf("a dry run acted: %q", got)
	}
}
