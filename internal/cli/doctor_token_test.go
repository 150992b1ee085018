package cli

import (
	"strings"
	"testing"

	"github.com/crispify/crispify/internal/repos"
)

// doctor says where CRISPIFY_GIT_TOKEN goes: over https, to the listed
// hosts only, and which remotes it is kept from and why. Not parallel: the
// token is read from the process's environment.
func TestDoctorSaysWhichHostsGetTheToken(t *testing.T) {
	t.Setenv(repos.EnvToken, "c4nary-t0ken")
	t.Setenv(repos.EnvTokenHosts, "127.0.0.1:1")
	h := newHarness(t, `version: 1
project: p
services:
  a: {repo: "https://127.0.0.1:1/a.git"}
  b: {repo: "http://127.0.0.1:1/b.git"}
  c: {repo: "https://localhost:1/c.git"}
  d: {repo: "git@127.0.0.1:d.git"}
`)
	out, _, _ := h.run("doctor")
	want := "token     CRISPIFY_GIT_TOKEN is sent over https to 127.0.0.1:1 only; not to " +
		"http://127.0.0.1:1/b.git: plain http: the token goes over https only; " +
		"https://localhost:1/c.git: localhost:1 is not in CRISPIFY_GIT_TOKEN_HOSTS\n"
	if !strings.Contains(out, want) {
		t.Errorf("doctor lacks\n%s\nin:\n%s", want, out)
	}
	if strings.Contains(out, "c4nary-t0ken") {
		t.Errorf("doctor shows the token:\n%s", out)
	}
}
