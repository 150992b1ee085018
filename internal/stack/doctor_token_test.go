package stack

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/crispify/crispify/internal/docker"
	"github.com/crispify/crispify/internal/manifest"
	"github.com/crispify/crispify/internal/repos"
)

// doctor says where CRISPIFY_GIT_TOKEN goes: over https, to the listed
// hosts only, and which remotes it is kept from and why. Not parallel: the
// token is read from the process's environment.
func TestDoctorSaysWhichHostsGetTheToken(t *testing.T) {
	t.Setenv(repos.EnvToken, "c4nary-t0ken")
	t.Setenv(repos.EnvTokenHosts, "127.0.0.1:1")
	m, err := manifest.Parse([]byte(`version: 1
project: p
services:
  a: {repo: "https://127.0.0.1:1/a.git"}
  b: {repo: "http://127.0.0.1:1/b.git"}
  c: {repo: "https://localhost:1/c.git"}
  d: {repo: "git@127.0.0.1:d.git"}
`), "m.yaml", manifest.Options{Workspace: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	noEngine := func(context.Context) (docker.Engine, docker.Endpoint, error) {
		return nil, docker.Endpoint{}, errors.New("no engine in this test")
	}
	var got []string
	for _, c := range Doctor(context.Background(), m, noEngine) {
		got = append(got, c.Name+": "+c.Detail)
	}
	want := "token: CRISPIFY_GIT_TOKEN is sent over https to 127.0.0.1:1 only; not to " +
		"http://127.0.0.1:1/b.git: plain http: the token goes over https only; " +
		"https://localhost:1/c.git: localhost:1 is not in CRISPIFY_GIT_TOKEN_HOSTS"
	all := strings.Join(got, "\n")
	if !strings.Contains(all, want) {
		t.Errorf("doctor lacks\n%s\nin:\n%s", want, all)
	}
	if strings.Contains(all, "c4nary-t0ken") {
		t.Errorf("doctor shows the token:\n%s", all)
	}
}
