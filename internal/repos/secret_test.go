package repos

import (
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/crispify/crispify/internal/event"
)

// noSecret fails the test if the secret shows anywhere a user could read it:
// the result, its error, any event, the stored config of the working copy.
func noSecret(t *testing.T, secret string, r Result, rec *recorder, dir string) {
	t.Helper()
	var seen []string
	seen = append(seen, r.Reason, fmt.Sprintf("%+v", r))
	if r.Err != nil {
		seen = append(seen, r.Err.Error())
	}
	for _, e := range rec.all() {
		seen = append(seen, e.Msg, e.Error)
	}
	if b, err := os.ReadFile(filepath.Join(dir, ".git", "config")); err == nil {
		seen = append(seen, string(b))
	}
	for _, s := range seen {
		if strings.Contains(s, secret) {
			t.Errorf("%q leaks the password", s)
		}
	}
}

func TestPasswordNeverPrinted(t *testing.T) {
	t.Parallel()
	closed := "http://bob:secret@127.0.0.1:" + closedPort(t) + "/api.git"
	forEachBackend(t, func(t *testing.T, b Backend) {
		ws := t.TempDir()
		spec := Spec{Name: "api", URL: closed, Branch: "master", Dir: filepath.Join(ws, "api")}
		rec := &recorder{}
		r := SyncOne(background(t), spec, Options{Backend: b}, rec)
		checkFailed(t, r, rec, ErrUnreachable, "clone api (http://bob:***@127.0.0.1:")
		noSecret(t, "secret", r, rec, spec.Dir)
	})
}

func TestHTTPCredentials(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	// A repo for each backend: their subtests run at once and each pushes.
	bares := map[string]string{}
	for _, b := range backends() {
		bares[b.Name()] = f.add(t, "api-"+b.Name(), small)
	}
	base := serveHTTP(t, f.root, "bob", "s3cr3t")
	forEachBackend(t, func(t *testing.T, b Backend) {
		repo, bare := "api-"+b.Name()+".git", bares[b.Name()]
		withPassword := strings.Replace(base, "://", "://bob:s3cr3t@", 1) + "/" + repo
		ws := t.TempDir()
		spec := Spec{Name: "api", URL: withPassword, Branch: "master", Dir: filepath.Join(ws, "api")}
		ctx := background(t)

		rec := &recorder{}
		r := SyncOne(ctx, spec, Options{Backend: b}, rec)
		if r.Phase != event.Cloned {
			t.Fatalf("clone with the password in the URL: %+v", r)
		}
		checkClone(t, spec)
		noSecret(t, "s3cr3t", r, rec, spec.Dir)
		if got, want := git(t, spec.Dir, "config", "remote.origin.url"), base+"/"+repo; got != want {
			t.Errorf("origin = %q, want %q: the URL without its credentials", got, want)
		}

		// The update takes the password from the manifest again, since
		// origin no longer has it.
		commitTo(t, bare, "master", "news", map[string]string{b.Name() + ".md": "new\n"})
		rec = &recorder{}
		r = SyncOne(ctx, spec, Options{Backend: b, Update: true}, rec)
		if r.Phase != event.Updated {
			t.Fatalf("update with the password in the URL: %+v", r)
		}
		noSecret(t, "s3cr3t", r, rec, spec.Dir)

		// A wrong password fails clearly, and is not printed either.
		spec.URL = strings.Replace(base, "://", "://bob:wrongpass@", 1) + "/" + repo
		spec.Dir = filepath.Join(ws, "other")
		rec = &recorder{}
		r = SyncOne(ctx, spec, Options{Backend: b}, rec)
		checkFailed(t, r, rec, ErrAuth,
			"clone api (http://bob:***@"+strings.TrimPrefix(base, "http://")+"/"+repo+"): authentication required: check the URL")
		noSecret(t, "wrongpass", r, rec, spec.Dir)
	})
}

// TestTokenOnlyOverHTTPSToItsHosts cannot run in parallel: it sets the
// environment. The token goes to a listed https host, and never to a plain
// http one, even listed, nor to an https one not listed; the servers record
// what they were sent.
func TestTokenOnlyOverHTTPSToItsHosts(t *testing.T) {
	f := newFixture(t)
	f.add(t, "api", small)
	listed := serveGit(t, f.root, "ci", "t0ken", true)
	plain := serveGit(t, f.root, "ci", "t0ken", false)
	unlisted := serveGit(t, f.root, "ci", "t0ken", true)
	listedHost := strings.TrimPrefix(listed.URL, "https://")
	plainHost := strings.TrimPrefix(plain.URL, "http://")
	t.Setenv(EnvToken, "t0ken")
	t.Setenv(EnvUser, "ci")
	t.Setenv(EnvTokenHosts, listedHost+","+plainHost)
	// Both servers' certificates are trusted, so that only the host list
	// keeps the token from the unlisted one.
	ca := filepath.Join(t.TempDir(), "ca.pem")
	a, _ := os.ReadFile(listed.CAFile)
	b, _ := os.ReadFile(unlisted.CAFile)
	os.WriteFile(ca, append(a, b...), 0o644)
	t.Setenv("GIT_SSL_CAINFO", ca)
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("ci:t0ken"))
	for _, b := range backends() {
		t.Run(b.Name(), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "api")
			rec := &recorder{}
			r := SyncOne(background(t), Spec{Name: "api", URL: listed.URL + "/api.git", Branch: "master", Dir: dir}, Options{Backend: b}, rec)
			if r.Phase != event.Cloned {
				t.Fatalf("clone over https from a listed host with %s: %+v", EnvToken, r)
			}
			noSecret(t, "t0ken", r, rec, dir)

			for _, srv := range []*gitServer{plain, unlisted} {
				dir := filepath.Join(t.TempDir(), "api")
				r := SyncOne(background(t), Spec{Name: "api", URL: srv.URL + "/api.git", Branch: "master", Dir: dir}, Options{Backend: b}, &recorder{})
				if !errors.Is(r.Err, ErrAuth) {
					t.Errorf("clone from %s without the token: %+v, want it refused for want of credentials", srv.URL, r)
				}
			}
		})
	}
	if got := listed.authorizations(); !slices.Contains(got, basic) {
		t.Errorf("the listed https host never got the token: %q", got)
	}
	for _, srv := range []*gitServer{plain, unlisted} {
		if got := srv.authorizations(); len(got) == 0 || slices.ContainsFunc(got, func(h string) bool { return h != "" }) {
			t.Errorf("%s received credentials (or nothing at all): %q", srv.URL, got)
		}
	}
}

// A token written as the URL's user (https://TOKEN@host/...) is a
// credential like a password: it goes as auth, never into .git/config.
func TestTokenAsURLUser(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	bares := map[string]string{}
	for _, b := range backends() {
		bares[b.Name()] = f.add(t, "api-"+b.Name(), small)
	}
	base := serveHTTP(t, f.root, "ghp_tok3n", "")
	forEachBackend(t, func(t *testing.T, b Backend) {
		repo := "api-" + b.Name() + ".git"
		spec := Spec{Name: "api", URL: strings.Replace(base, "://", "://ghp_tok3n@", 1) + "/" + repo, Branch: "master", Dir: filepath.Join(t.TempDir(), "api")}
		rec := &recorder{}
		r := SyncOne(background(t), spec, Options{Backend: b}, rec)
		if r.Phase != event.Cloned {
			t.Fatalf("clone with a token as the user: %+v", r)
		}
		noSecret(t, "ghp_tok3n", r, rec, spec.Dir)
		if got, want := git(t, spec.Dir, "config", "remote.origin.url"), base+"/"+repo; got != want {
			t.Errorf("origin = %q, want %q: the URL without the token", got, want)
		}
		commitTo(t, bares[b.Name()], "master", "news", map[string]string{"news.md": "new\n"})
		rec = &recorder{}
		if r := SyncOne(background(t), spec, Options{Backend: b, Update: true}, rec); r.Phase != event.Updated {
			t.Fatalf("update with a token as the user: %+v", r)
		}
		noSecret(t, "ghp_tok3n", r, rec, spec.Dir)
	})
}
