package cli

import (
	"strings"
	"testing"
)

// --project, else $CRISPIFY_PROJECT, names the project instead of the
// manifest: two people sharing an engine keep their containers apart.
func TestProjectFlagAndEnvironmentOverrideTheManifest(t *testing.T) {
	h := newHarness(t, infraManifest)
	if out, _, code := h.run("--project", "clitest-bob", "validate"); code != 0 || !strings.Contains(out, "project clitest-bob") {
		t.Errorf("--project: exit %d, %q", code, out)
	}
	h.env["CRISPIFY_PROJECT"] = "clitest-env"
	if out, _, code := h.run("validate"); code != 0 || !strings.Contains(out, "project clitest-env") {
		t.Errorf("CRISPIFY_PROJECT: exit %d, %q", code, out)
	}
	if out, _, code := h.run("--project", "clitest-flag", "validate"); code != 0 || !strings.Contains(out, "project clitest-flag") {
		t.Errorf("--project must win over CRISPIFY_PROJECT: exit %d, %q", code, out)
	}
	if _, errOut, code := h.run("--project", "No Good", "validate"); code != ExitUsage || !strings.Contains(errOut, "must match") {
		t.Errorf("bad --project: exit %d, %q", code, errOut)
	}
	h.env["CRISPIFY_PROJECT"] = ""
	if _, _, code := h.run("--project", "clitest-bob", "infra"); code != 0 {
		t.Fatalf("infra under --project: exit %d", code)
	}
	if _, err := h.fake.ContainerInspect(t.Context(), "clitest-bob-redis"); err != nil {
		t.Errorf("the container is not named after --project: %v", err)
	}
}
