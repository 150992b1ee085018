package repos

import (
	"errors"
	"strings"
	"testing"
)

func TestRemoteFor(t *testing.T) {
	t.Setenv(EnvToken, "")
	for _, c := range []struct {
		in               string
		url, user, passw string
	}{
		{"https://bob:secret@host/api.git", "https://host/api.git", "bob", "secret"},
		{"https://bob:s%40cret@host:8443/api.git", "https://host:8443/api.git", "bob", "s@cret"},
		// A token written as the user moves into authentication too: the
		// stored origin and every command line carry no credential.
		{"https://tok@host/api.git", "https://host/api.git", "tok", ""},
		{"http://t%2Fok@host/api.git", "http://host/api.git", "t/ok", ""},
		{"ssh://git:pw@host/api.git", "ssh://git@host/api.git", "", ""},
		{"ssh://git@host/api.git", "ssh://git@host/api.git", "", ""},
		{"git@host:crisp/api.git", "git@host:crisp/api.git", "", ""},
		{"file:///srv/api.git", "file:///srv/api.git", "", ""},
		{"/srv/api.git", "/srv/api.git", "", ""},
	} {
		r, err := remoteFor(c.in, "master")
		if err != nil || r.URL != c.url || r.User != c.user || r.Password != c.passw || r.Branch != "master" {
			t.Errorf("remoteFor(%q) = %+v, %v; want URL %q user %q password %q", c.in, r, err, c.url, c.user, c.passw)
		}
	}
}

// A URL that does not parse as written is never handed to git: git would
// send its password to whatever host it reads, and print it half hidden.
func TestRemoteForRefusesAnUnparsedURL(t *testing.T) {
	for _, raw := range []string{"http://alice:p@ss#w0rd@host/x.git", "https://bob:pa/ss@host/r", "https://bob:pa ss@host/r"} {
		_, err := remoteFor(raw, "master")
		if !errors.Is(err, ErrBadURL) || !strings.Contains(err.Error(), "percent-encode") {
			t.Errorf("remoteFor(%q): %v; want ErrBadURL with a hint to percent-encode", raw, err)
		}
		for _, secret := range []string{"w0rd", "pa/ss", "pa ss"} {
			if strings.Contains(raw, secret) && strings.Contains(err.Error(), secret) {
				t.Errorf("the error shows the password: %v", err)
			}
		}
	}
}

func TestRemoteForToken(t *testing.T) {
	t.Setenv(EnvToken, "tok")
	t.Setenv(EnvUser, "")
	t.Setenv(EnvTokenHosts, "gitlab.com, git.example.com:8443 Other.ORG")
	for _, c := range []struct {
		url   string
		token bool
	}{
		{"https://gitlab.com/crisp/api.git", true},
		{"https://GitLab.com:443/crisp/api.git", true},
		{"https://other.org/x.git", true},
		{"https://git.example.com:8443/x.git", true},
		{"https://git.example.com/x.git", false}, // another port: another server
		{"http://gitlab.com/crisp/api.git", false},
		{"https://evil.example/x.git", false},
		{"https://gitlab.com.evil.example/x.git", false},
		{"ssh://git@gitlab.com/crisp/api.git", false},
		{"git@gitlab.com:crisp/api.git", false},
	} {
		r, err := remoteFor(c.url, "")
		if err != nil {
			t.Fatal(err)
		}
		if got := r.Password == "tok"; got != c.token {
			t.Errorf("%s: token sent = %v, want %v (%+v)", c.url, got, c.token, r)
		}
		if c.token && r.User != "oauth2" {
			t.Errorf("%s: user %q, want oauth2", c.url, r.User)
		}
	}
	if r, _ := remoteFor("https://bob:pw@gitlab.com/api.git", ""); r.User != "bob" || r.Password != "pw" {
		t.Errorf("the URL's password comes before the token: %+v", r)
	}
	if r, _ := remoteFor("https://mytok@gitlab.com/api.git", ""); r.User != "mytok" || r.Password != "" {
		t.Errorf("the URL's own token comes before the variable: %+v", r)
	}
	t.Setenv(EnvUser, "ci")
	if r, _ := remoteFor("https://gitlab.com/api.git", ""); r.User != "ci" {
		t.Errorf("user of %s not used: %+v", EnvUser, r)
	}
	t.Setenv(EnvTokenHosts, "")
	if r, _ := remoteFor("https://gitlab.com/api.git", ""); r.Password != "" {
		t.Errorf("token sent with no %s: %+v", EnvTokenHosts, r)
	}
}

func TestTokenUse(t *testing.T) {
	t.Setenv(EnvToken, "tok")
	t.Setenv(EnvTokenHosts, "gitlab.com")
	got := TokenUse([]string{"https://gitlab.com/a.git", "https://gitlab.com/b.git", "http://gitlab.com/c.git",
		"https://github.com/d.git", "git@gitlab.com:e.git", "https://u:pw@gitlab.com/f.git"})
	if strings.Join(got.Hosts, ",") != "gitlab.com" {
		t.Errorf("hosts = %q, want gitlab.com", got.Hosts)
	}
	for _, want := range []string{"http://gitlab.com/c.git: plain http", "https://github.com/d.git: github.com is not in " + EnvTokenHosts} {
		if !strings.Contains(strings.Join(got.Withheld, "\n"), want) {
			t.Errorf("withheld lacks %q: %q", want, got.Withheld)
		}
	}
	if strings.Contains(strings.Join(got.Withheld, "\n"), "pw") {
		t.Errorf("withheld shows a password: %q", got.Withheld)
	}
	if got.Set != true || !strings.Contains(got.Summary(), "sent over https to gitlab.com only") {
		t.Errorf("summary: %q", got.Summary())
	}
	t.Setenv(EnvTokenHosts, "")
	if s := TokenUse([]string{"https://gitlab.com/a.git"}).Summary(); !strings.Contains(s, "sent to no host") || !strings.Contains(s, EnvTokenHosts) {
		t.Errorf("summary without hosts: %q", s)
	}
	t.Setenv(EnvToken, "")
	if s := TokenUse(nil).Summary(); !strings.Contains(s, "not set") {
		t.Errorf("summary without a token: %q", s)
	}
}

func TestOriginRemote(t *testing.T) {
	spec := Remote{URL: "https://host/api.git", Branch: "master", User: "bob", Password: "pw"}
	if o := originRemote("https://host/api.git", spec); o.Password != "pw" {
		t.Errorf("same server, no credentials: %+v", o)
	}
	if o := originRemote("https://elsewhere/fork.git", spec); o.Password != "" || o.User != "" {
		t.Errorf("credentials sent to another server: %+v", o)
	}
	if o := originRemote("https://amy:own@host/api.git", spec); o.User != "amy" || o.Password != "own" || o.URL != "https://host/api.git" {
		t.Errorf("origin's own credentials not kept: %+v", o)
	}
}

func TestTransport(t *testing.T) {
	for in, want := range map[string]string{
		"git@gitlab.com:crisp/api.git":   "ssh",
		"gitlab.com:crisp/api.git":       "ssh",
		"ssh://git@gitlab.com/crisp/api": "ssh",
		"https://gitlab.com/crisp/api":   "http",
		"http://127.0.0.1:1/api.git":     "http",
		"git://127.0.0.1/api.git":        "git",
		"file:///srv/api.git":            "file",
		"/srv/api.git":                   "file",
		"./api.git":                      "file",
		`C:\repos\api.git`:               "file",
	} {
		if got := transport(in); got != want {
			t.Errorf("transport(%q) = %q, want %q", in, got, want)
		}
	}
}
