package repos

import "testing"

func TestRemoteFor(t *testing.T) {
	t.Setenv(EnvToken, "")
	for _, c := range []struct {
		in               string
		url, user, passw string
	}{
		{"https://bob:secret@host/api.git", "https://host/api.git", "bob", "secret"},
		{"https://bob:s%40cret@host:8443/api.git", "https://host:8443/api.git", "bob", "s@cret"},
		{"https://tok@host/api.git", "https://tok@host/api.git", "tok", ""},
		{"ssh://git:pw@host/api.git", "ssh://git@host/api.git", "", ""},
		{"ssh://git@host/api.git", "ssh://git@host/api.git", "", ""},
		{"git@host:crisp/api.git", "git@host:crisp/api.git", "", ""},
		{"file:///srv/api.git", "file:///srv/api.git", "", ""},
		{"/srv/api.git", "/srv/api.git", "", ""},
	} {
		r := remoteFor(c.in, "master")
		if r.URL != c.url || r.User != c.user || r.Password != c.passw || r.Branch != "master" {
			t.Errorf("remoteFor(%q) = %+v, want URL %q user %q password %q", c.in, r, c.url, c.user, c.passw)
		}
	}
}

func TestRemoteForToken(t *testing.T) {
	t.Setenv(EnvToken, "tok")
	t.Setenv(EnvUser, "")
	if r := remoteFor("https://host/api.git", ""); r.User != "oauth2" || r.Password != "tok" {
		t.Errorf("token for https: %+v", r)
	}
	if r := remoteFor("https://bob:pw@host/api.git", ""); r.User != "bob" || r.Password != "pw" {
		t.Errorf("the URL's password comes before the token: %+v", r)
	}
	if r := remoteFor("ssh://git@host/api.git", ""); r.Password != "" {
		t.Errorf("token sent over ssh: %+v", r)
	}
	t.Setenv(EnvUser, "ci")
	if r := remoteFor("https://host/api.git", ""); r.User != "ci" {
		t.Errorf("user of %s not used: %+v", EnvUser, r)
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
