package stack

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/crispify/crispify/internal/event"
)

// decrispify --volumes removes the data the stack runs on, the current
// branch's and the shared, and keeps the other branches' and the
// snapshots, naming them; --all-branches removes them all.
func TestDownVolumesRemovesTheCurrentBranchOnly(t *testing.T) {
	st, data := dataStack(t)
	ctx := context.Background()
	if _, err := st.DataSave(ctx, "s1", nil, event.Discard); err != nil {
		t.Fatal(err)
	}
	p, err := st.dataProject(ctx, event.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Quiesce(ctx, "mysql"); err != nil {
		t.Fatal(err)
	}
	if err := p.CopyBranch(ctx, "master", "feature", []string{"mysql"}); err != nil {
		t.Fatal(err)
	}
	if err := writeBranches(st.Manifest.StateDir(), branches{Branch: "feature", Data: "feature"}); err != nil {
		t.Fatal(err)
	}

	vols, err := st.DownVolumes(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	whats := func(groups []VolumeGroup) (out []string) {
		for _, g := range groups {
			out = append(out, g.What)
		}
		return out
	}
	if got := whats(vols.Remove); !slices.Equal(got, []string{"branch feature", "shared data"}) {
		t.Errorf("removes %v", vols.Remove)
	}
	if got := whats(vols.Keep); !slices.Equal(got, []string{"branch master", "snapshot s1"}) {
		t.Errorf("keeps %v", vols.Keep)
	}

	report, err := st.Down(ctx, DownOptions{Volumes: true, RemoveVolumes: "decrispify --volumes --all-branches"}, event.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if len(report.Volumes) != 2 || len(report.Kept) != 3 || !strings.Contains(report.Summary, "2 volumes removed") || !strings.Contains(report.Summary, "`decrispify --volumes --all-branches` removes them") {
		t.Errorf("report %+v", report)
	}
	if _, ok := data.Volumes["datatest_mysql_data"]; !ok {
		t.Error("master's data was removed by a teardown on feature")
	}

	all, err := st.DownVolumes(ctx, true)
	if err != nil || len(all.Keep) != 0 || Count(all.Remove) != 3 {
		t.Errorf("--all-branches: %+v %v", all, err)
	}
	if _, err := st.Down(ctx, DownOptions{Volumes: true, AllBranches: true}, event.Discard); err != nil {
		t.Fatal(err)
	}
	if len(data.Volumes) != 0 {
		t.Errorf("left after --all-branches: %v", data.Volumes)
	}
}

// A switch.json gone bad never keeps a stack up: the containers go, the
// volumes stay, and the error says which file to remove.
func TestDownWithABadSwitchFileRemovesTheContainersKeepsTheData(t *testing.T) {
	st, data := dataStack(t)
	if err := os.WriteFile(filepath.Join(st.Manifest.StateDir(), branchesFile), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := st.Down(context.Background(), DownOptions{Volumes: true}, event.Discard)
	if err == nil || !strings.Contains(err.Error(), "remove the file to forget them") {
		t.Errorf("down with a bad switch.json: %v", err)
	}
	if len(data.Containers) != 0 {
		t.Errorf("containers left: %v", data.Containers)
	}
	if _, ok := data.Volumes["datatest_mysql_data"]; !ok {
		t.Error("the data was removed though whose it is was not known")
	}
}
