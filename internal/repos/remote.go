package repos

import (
	"net/url"
	"os"
	"strings"
)

// Environment variables that give credentials for https remotes, read at the
// time of each run so that a token exported later is picked up.
const (
	EnvToken = "CRISPIFY_GIT_TOKEN"
	EnvUser  = "CRISPIFY_GIT_USER" // default "oauth2", what GitLab and GitHub accept
)

// remoteFor splits the credentials off a URL: the URL kept (and stored as
// origin) has no password, and the password travels as auth instead. Without
// one in the URL, an https remote takes the token from the environment.
func remoteFor(raw, branch string) Remote {
	r := splitCredentials(raw, branch)
	if transport(r.URL) == "http" && r.Password == "" {
		if token := os.Getenv(EnvToken); token != "" {
			r.Password = token
			if r.User == "" {
				r.User = os.Getenv(EnvUser)
			}
			if r.User == "" {
				r.User = "oauth2"
			}
		}
	}
	return r
}

// originRemote is how to fetch from a repo's origin, given the remote r of
// the manifest: with r's credentials if origin is on r's server, else with
// those written in origin's URL only, so that they reach no other host.
func originRemote(origin string, r Remote) Remote {
	o := splitCredentials(origin, r.Branch)
	if o.Password == "" && sameServer(o.URL, r.URL) {
		o.User, o.Password = r.User, r.Password
	}
	return o
}

// splitCredentials moves the user and password of an http(s) URL into the
// Remote's fields, and drops any other URL's password.
func splitCredentials(raw, branch string) Remote {
	r := Remote{URL: raw, Branch: branch}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		// scp-like (git@host:path) or a local path: nothing to split.
		return r
	}
	web := u.Scheme == "http" || u.Scheme == "https"
	if u.User != nil {
		password, hasPassword := u.User.Password()
		if web {
			r.User, r.Password = u.User.Username(), password
		}
		if hasPassword {
			// Over ssh a password is never used (no prompts); it is dropped
			// all the same, so that it is stored nowhere.
			if web {
				u.User = nil
			} else {
				u.User = url.User(u.User.Username())
			}
			r.URL = u.String()
		}
	}
	return r
}

// transport names the way a URL is reached, for the hints of errors: "ssh",
// "http", "git" or "file".
func transport(raw string) string {
	if i := strings.Index(raw, "://"); i > 0 {
		switch s := strings.ToLower(raw[:i]); s {
		case "ssh", "git+ssh", "ssh+git":
			return "ssh"
		case "http", "https":
			return "http"
		default:
			return s
		}
	}
	// scp-like syntax: [user@]host:path, with no slash before the colon.
	if i := strings.Index(raw, ":"); i > 0 && !strings.Contains(raw[:i], "/") && !isWindowsDrive(raw) {
		return "ssh"
	}
	return "file"
}

func isWindowsDrive(p string) bool {
	return len(p) >= 2 && p[1] == ':' && (p[0]|0x20 >= 'a' && p[0]|0x20 <= 'z')
}

// sameServer reports whether two URLs name the same scheme, host and port, so
// that credentials given for one may be sent to the other.
func sameServer(a, b string) bool {
	ua, errA := url.Parse(a)
	ub, errB := url.Parse(b)
	return errA == nil && errB == nil && ua.Host != "" &&
		strings.EqualFold(ua.Scheme, ub.Scheme) && strings.EqualFold(ua.Host, ub.Host)
}
