package cli

import (
	"strings"
	"testing"
)

// The question before --volumes names whose data goes, and whose stays.
func TestDownVolumesNamesTheBranches(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	h := newHarness(t, infraManifest)
	if _, _, code := h.run("infra"); code != 0 {
		t.Fatal("infra failed")
	}
	_, errOut, code := h.run("down", "--volumes")
	if code != ExitUsage || !strings.Contains(errOut, "branch master (1 volumes)") {
		t.Errorf("no tty: exit %d %q", code, errOut)
	}
	h.tty, h.in = true, "n\n"
	if _, errOut, _ := h.run("down", "--all-branches"); !strings.Contains(errOut, "  branch master: clitest_redis_data") {
		t.Errorf("the prompt of --all-branches: %q", errOut)
	}
	if o, _ := parse(t, NewCmdDown, "--all-branches"); !o.Volumes || !o.AllBranches {
		t.Errorf("--all-branches: %+v", *o)
	}
}
