package repos

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/crispify/crispify/internal/manifest"
)

// Environment variables that give credentials for https remotes, read at the
// time of each run so that a token exported later is picked up.
const (
	EnvToken = "CRISPIFY_GIT_TOKEN"
	EnvUser  = "CRISPIFY_GIT_USER" // default "oauth2", what GitLab and GitHub accept
	// EnvTokenHosts lists the hosts (host or host:port, separated by commas
	// or spaces) the token may be sent to, over https only. Unset, it goes
	// nowhere: a mistyped or foreign host in a manifest must not collect
	// every developer's token. The user's own git credential helper is not
	// affected.
	EnvTokenHosts = "CRISPIFY_GIT_TOKEN_HOSTS"
)

// ErrBadURL says a repo URL is not one git can be given safely: written with
// reserved characters unescaped, it would be read as another host, or its
// password shown in part.
var ErrBadURL = errors.New("invalid repo URL")

// remoteFor splits the credentials off a URL: the URL kept (and stored as
// origin) has none, and the user and password travel as auth instead.
// Without credentials in the URL, an https remote on a host of
// EnvTokenHosts takes the token of the environment. A URL that does not
// parse as written is refused, never passed on.
func remoteFor(raw, branch string) (Remote, error) {
	if _, problem := manifest.RepoURLProblem(raw); problem != "" {
		return Remote{}, &cause{ErrBadURL, problem}
	}
	r := splitCredentials(raw, branch)
	if r.User == "" && r.Password == "" && tokenGoesTo(r.URL) == "" {
		r.User, r.Password = os.Getenv(EnvUser), os.Getenv(EnvToken)
		if r.User == "" {
			r.User = "oauth2"
		}
	}
	return r, nil
}

// tokenGoesTo says why the token is not sent to the remote at raw, or ""
// when it is: only over https, only to a host of EnvTokenHosts.
func tokenGoesTo(raw string) string {
	if os.Getenv(EnvToken) == "" {
		return EnvToken + " is not set"
	}
	u, err := url.Parse(raw)
	switch {
	case transport(raw) != "http" || err != nil:
		return "not an https URL"
	case !strings.EqualFold(u.Scheme, "https"):
		return "plain http: the token goes over https only"
	case !tokenHost(u):
		return u.Host + " is not in " + EnvTokenHosts
	}
	return ""
}

// tokenHost reports whether u's server is one of EnvTokenHosts: the same
// host name, and the same port (an entry without one means 443).
func tokenHost(u *url.URL) bool {
	port := u.Port()
	if port == "" {
		port = "443"
	}
	for _, h := range tokenHosts() {
		name, p, found := strings.Cut(h, ":")
		if !found {
			p = "443"
		}
		if strings.EqualFold(name, u.Hostname()) && p == port {
			return true
		}
	}
	return false
}

func tokenHosts() []string {
	return strings.FieldsFunc(os.Getenv(EnvTokenHosts), func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
}

// TokenReport says where CRISPIFY_GIT_TOKEN goes, for `crispify doctor`.
type TokenReport struct {
	Set      bool     // the token is set
	Hosts    []string // the hosts of the manifest it is sent to
	Allowed  []string // EnvTokenHosts as given
	Withheld []string // "URL: why", for each https(s) remote it is not sent to
}

// TokenUse works out where the token goes for the repos at urls: the same
// rule every clone, fetch and probe applies. URLs are shown redacted.
func TokenUse(urls []string) TokenReport {
	rep := TokenReport{Set: os.Getenv(EnvToken) != "", Allowed: tokenHosts()}
	if !rep.Set {
		return rep
	}
	seen := map[string]bool{}
	for _, raw := range urls {
		if transport(raw) != "http" {
			continue
		}
		if _, err := remoteFor(raw, ""); err != nil {
			continue // validate reports it
		}
		r := splitCredentials(raw, "")
		if r.User != "" || r.Password != "" {
			continue // credentials of its own
		}
		if why := tokenGoesTo(r.URL); why != "" {
			rep.Withheld = append(rep.Withheld, r.URL+": "+why)
			continue
		}
		if u, err := url.Parse(r.URL); err == nil && !seen[u.Host] {
			seen[u.Host] = true
			rep.Hosts = append(rep.Hosts, u.Host)
		}
	}
	return rep
}

// Summary says it in a line.
func (t TokenReport) Summary() string {
	switch {
	case !t.Set:
		return EnvToken + " is not set: https repos use your git credential helper"
	case len(t.Allowed) == 0:
		return EnvToken + " is set but sent to no host: list the hosts it is for in " + EnvTokenHosts + " (e.g. gitlab.com)"
	case len(t.Hosts) == 0:
		return fmt.Sprintf("%s is sent over https to %s only: no repo of the manifest is there", EnvToken, strings.Join(t.Allowed, ", "))
	}
	return fmt.Sprintf("%s is sent over https to %s only", EnvToken, strings.Join(t.Hosts, ", "))
}

// originRemote is how to fetch from a repo's origin, given the remote r of
// the manifest: with r's credentials if origin is on r's server, else with
// those written in origin's URL only, so that they reach no other host.
func originRemote(origin string, r Remote) Remote {
	o := splitCredentials(origin, r.Branch)
	if o.Password == "" && o.User == "" && sameServer(o.URL, r.URL) {
		o.User, o.Password = r.User, r.Password
	}
	return o
}

// splitCredentials moves the user and password of an http(s) URL into the
// Remote's fields, and drops any other URL's password.
func splitCredentials(raw, branch string) Remote {
	r := Remote{URL: raw, Branch: branch}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" || u.User == nil {
		// scp-like (git@host:path), a local path, or nothing to split.
		return r
	}
	password, hasPassword := u.User.Password()
	switch {
	case u.Scheme == "http" || u.Scheme == "https":
		// A user alone is most often a token (https://TOKEN@host/...): it
		// goes as auth like a password, and origin is stored without it.
		r.User, r.Password = u.User.Username(), password
		u.User = nil
	case hasPassword:
		// Over ssh a password is never used (no prompts); it is dropped
		// all the same, so that it is stored nowhere.
		u.User = url.User(u.User.Username())
	default:
		return r
	}
	r.URL = u.String()
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
