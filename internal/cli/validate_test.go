package cli

import (
	"strings"
	"testing"
)

// A ${VAR} nothing sets is allowed (it expands to nothing) but most often a
// mistake: validate says so and still exits 0. A $ that is not ${ is text.
func TestValidateWarnsAboutUnsetVariables(t *testing.T) {
	h := newHarness(t, "version: 1\nproject: p\nservices:\n  api:\n    repo: r\n    env: {URL: \"http://${API_HOST}:${API_PORT}\", PASSWORD: \"Pa$sw0rd!\"}\n")
	h.env["API_HOST"] = "127.0.0.1"
	out, errOut, code := h.run("validate")
	if code != 0 || !strings.Contains(out, "is valid") {
		t.Fatalf("exit %d, want 0; stdout %q, stderr %q", code, out, errOut)
	}
	want := "crispify.yaml:6:16: warning: services.api.env.URL: ${API_PORT} is set neither in crispify's environment nor by crispify"
	if !strings.Contains(errOut, want) {
		t.Errorf("stderr lacks %q:\n%s", want, errOut)
	}
	if strings.Contains(errOut, "API_HOST") || strings.Contains(errOut, "sw0rd") {
		t.Errorf("warned about what is set, or about a $ that is no ${VAR}:\n%s", errOut)
	}
}
