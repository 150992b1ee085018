package repos

import (
	"errors"
	"strings"
	"testing"

	"github.com/crispify/crispify/internal/event"
)

// TestAutoFallsBackToTheUsersGitForCredentials: a credential helper is
// something only the user's git knows. go-git fails to fetch without it;
// auto asks git and updates.
func TestAutoFallsBackToTheUsersGitForCredentials(t *testing.T) {
	f := newFixture(t)
	bare := f.add(t, "api", small)
	base := serveHTTP(t, f.root, "bob", "s3cr3t")
	t.Setenv("GIT_CONFIG_COUNT", "1")
	t.Setenv("GIT_CONFIG_KEY_0", "credential.helper")
	t.Setenv("GIT_CONFIG_VALUE_0", "!f() { echo username=bob; echo password=s3cr3t; }; f")
	t.Setenv(EnvToken, "")

	spec := Spec{Name: "api", URL: base + "/api.git", Branch: "master", Dir: t.TempDir() + "/api"}
	ctx := background(t)
	if r := SyncOne(ctx, spec, Options{Backend: NewAuto()}, nil); r.Phase != event.Cloned {
		t.Fatalf("auto clone through the credential helper: %+v", r)
	}
	commitTo(t, bare, "master", "news", map[string]string{"NEWS.md": "new\n"})

	if r := SyncOne(ctx, spec, Options{Backend: NewGoGit(), Update: true}, nil); r.Phase != event.Failed || !errors.Is(r.Err, ErrAuth) {
		t.Fatalf("go-git alone should not know the helper: %+v", r)
	}
	r := SyncOne(ctx, spec, Options{Backend: NewAuto(), Update: true}, nil)
	if r.Phase != event.Updated {
		t.Fatalf("auto update through the credential helper: %+v", r)
	}
	if got := git(t, spec.Dir, "log", "-1", "--format=%s"); !strings.Contains(got, "news") {
		t.Errorf("HEAD is %q after the update", got)
	}
}
