package repos

import (
	"regexp"
	"strings"
)

// userinfo matches the credentials part of any URL inside a text: the user
// cannot hold a slash (so that an @ later in a path is no user), the password
// may (a badly escaped password must still be hidden whole).
var userinfo = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://)([^\s/@:]*)(:[^\s@]*)?@`)

// Redact hides the password of every URL in s: https://user:***@host/... A
// user alone is hidden too in http(s) URLs, where it is often a token
// (https://ghp_xxx@github.com/...); an ssh user ("git@") is kept.
func Redact(s string) string {
	if !strings.Contains(s, "@") {
		return s
	}
	return userinfo.ReplaceAllStringFunc(s, func(m string) string {
		parts := userinfo.FindStringSubmatch(m)
		scheme, user, password := parts[1], parts[2], parts[3]
		switch {
		case password != "":
			return scheme + user + ":***@"
		case isHTTP(scheme):
			return scheme + "***@"
		}
		return m
	})
}

func isHTTP(scheme string) bool {
	s := strings.ToLower(scheme)
	return s == "http://" || s == "https://"
}
