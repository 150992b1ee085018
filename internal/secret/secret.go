// Package secret owns how crispify hides credentials in what it prints: the
// user and password of URLs, the values of environment variables whose names
// look secret, and such values inside command lines. Everything crispify
// shows of an environment, a URL or a command (errors, events, doctor, -v)
// goes through it; what workers and git receive never does.
package secret

import (
	"regexp"
	"strings"
)

// Mask is what a hidden value is shown as.
const Mask = "***"

// IsSecretKey reports whether an environment variable (or a flag, dashes
// read as underscores) is named like one that holds a secret: *PASSWORD*,
// *PASSWD*, *SECRET*, *TOKEN*, *CREDENTIAL*, *APIKEY*, *PRIVATE_KEY*, and
// *_KEY, *_PASS, *_PWD. Case does not matter. PWD, the current folder, is no
// secret.
func IsSecretKey(name string) bool {
	k := strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
	for _, part := range []string{"PASSWORD", "PASSWD", "SECRET", "TOKEN", "CREDENTIAL", "APIKEY", "PRIVATE_KEY"} {
		if strings.Contains(k, part) {
			return true
		}
	}
	for _, end := range []string{"_KEY", "_PASS", "_PWD"} {
		if strings.HasSuffix(k, end) {
			return true
		}
	}
	return k == "KEY" || k == "PASS"
}

// MaskValue is the value of the variable key as crispify shows it: Mask for
// a secret-looking key (an empty value stays empty, so that "unset" still
// reads as such), the credentials hidden in any URL it holds, and an HTTP
// Authorization header's credentials hidden.
func MaskValue(key, value string) string {
	if value == "" {
		return ""
	}
	if IsSecretKey(key) {
		return Mask
	}
	if name, _, ok := strings.Cut(value, ":"); ok && strings.EqualFold(strings.TrimSpace(name), "authorization") {
		return name + ": " + Mask
	}
	return Redact(value)
}

// MaskEnv returns a copy of env (KEY=VALUE entries) with each value masked
// by MaskValue. Entries without = are kept as they are.
func MaskEnv(env []string) []string {
	out := make([]string, len(env))
	for i, kv := range env {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			out[i] = kv
			continue
		}
		out[i] = k + "=" + MaskValue(k, v)
	}
	return out
}

// userinfo matches the credentials of a URL inside a text: from the scheme
// to the last @ before a space or a quote. A password written with its
// reserved characters unescaped (p@ss#w0rd, pa/ss) is so hidden whole; an @
// later in a path is hidden with it, which is the safe way to be wrong.
var userinfo = regexp.MustCompile("([A-Za-z][A-Za-z0-9+.-]*://)([^\\s'\"`]*)@")

// Redact hides the credentials of every URL in s: https://user:***@host/...
// A user alone is hidden too in http(s) URLs, where it is often a token
// (https://ghp_xxx@github.com/...); a plain ssh user ("git@") is kept.
func Redact(s string) string {
	if !strings.Contains(s, "@") {
		return s
	}
	return userinfo.ReplaceAllStringFunc(s, func(m string) string {
		parts := userinfo.FindStringSubmatch(m)
		scheme, info := parts[1], parts[2]
		user, _, hasPassword := strings.Cut(info, ":")
		plain := !strings.ContainsAny(user, "/?#[]@")
		switch {
		case hasPassword && plain:
			return scheme + user + ":" + Mask + "@"
		case hasPassword || !plain || isHTTP(scheme):
			return scheme + Mask + "@"
		}
		return m
	})
}

func isHTTP(scheme string) bool {
	s := strings.ToLower(scheme)
	return s == "http://" || s == "https://"
}
