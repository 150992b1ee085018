package manifest

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// scheme is what may come before :// in a URL (RFC 3986).
var scheme = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*$`)

// RepoURLProblem checks a repo URL written with a scheme (https://,
// ssh://, ...) the way git and crispify will read it, and returns where the
// first problem is (a byte offset into raw) and what it is, or -1 and ""
// when there is none. scp-like addresses (git@host:path) and local paths
// are not URLs and pass.
//
// Credentials must be percent-encoded: a password with an unescaped @, #,
// / or ? is read by every URL parser as something else (alice:p@ss#w0rd@host
// is the host "ss" and a fragment), and so would be sent to the wrong host
// or printed half hidden. The problem never quotes the credentials.
func RepoURLProblem(raw string) (at int, problem string) {
	i := strings.Index(raw, "://")
	if i < 0 {
		return -1, ""
	}
	if !scheme.MatchString(raw[:i]) {
		return 0, fmt.Sprintf("%q is not a URL scheme: write it like https://host/path", raw[:i])
	}
	start := i + 3
	rest := raw[start:]
	info, hasInfo := userinfoOf(rest)
	if hasInfo {
		if off, problem := credentialsProblem(rest[:info]); problem != "" {
			return start + off, problem
		}
	}
	hostStart := start
	if hasInfo {
		hostStart += info + 1
	}
	if j := strings.IndexByte(raw[hostStart:], '#'); j >= 0 {
		return hostStart + j, "a repo URL has no '#' part: if it belongs to the path, percent-encode it as %23"
	}
	u, err := url.Parse(raw)
	if err != nil {
		// url's own words may quote a password badly written as a port.
		return hostStart, "not a URL git can use: the port after the host is not a number, or a character needs " +
			"escaping: in credentials, percent-encode '/' as %2F, '?' as %3F, '#' as %23 and '@' as %40"
	}
	if u.Host == "" && strings.ToLower(u.Scheme) != "file" {
		return hostStart, "the URL has no host: write it like " + u.Scheme + "://host/path"
	}
	return -1, ""
}

// userinfoOf finds where the credentials of rest (a URL after its ://) end:
// at the last @ before the host. An @ is taken to end credentials when no
// / comes between it and the first /, ? or # (which then must be part of the
// credentials, written unescaped); else, as URL parsers read it, at the last
// @ before that first /, ? or #.
func userinfoOf(rest string) (end int, ok bool) {
	first := strings.IndexAny(rest, "/?#")
	if first < 0 {
		first = len(rest)
	}
	if first < len(rest) {
		after := rest[first+1:]
		if slash := strings.IndexByte(after, '/'); slash >= 0 {
			after = after[:slash]
		}
		if at := strings.LastIndexByte(after, '@'); at >= 0 {
			return first + 1 + at, true
		}
	}
	at := strings.LastIndexByte(rest[:first], '@')
	return at, at >= 0
}

// credentialsProblem checks user[:password] as RFC 3986 allows it to be
// written: unreserved characters, sub-delims, ':' and %XX escapes.
func credentialsProblem(info string) (at int, problem string) {
	first := -1
	var bad []byte
	for i := 0; i < len(info); i++ {
		c := info[i]
		switch {
		case c == '%':
			if i+2 < len(info) && isHex(info[i+1]) && isHex(info[i+2]) {
				i += 2
				continue
			}
			if first < 0 {
				return i, "a '%' in the URL's credentials is not followed by two hex digits: write a literal % as %25"
			}
		case isUnreserved(c) || strings.IndexByte("!$&'()*+,;=:", c) >= 0:
			continue
		}
		if first < 0 {
			first = i
		}
		if !strings.Contains(string(bad), string(c)) {
			bad = append(bad, c)
		}
	}
	if first < 0 {
		return -1, ""
	}
	problem = fmt.Sprintf("unescaped %s in the URL's credentials: percent-encode it as %s", quoteByte(bad[0]), escape(bad[0]))
	var others []string
	for _, c := range bad[1:] {
		others = append(others, quoteByte(c)+" as "+escape(c))
	}
	if len(others) > 0 {
		problem += " (and " + strings.Join(others, ", ") + ")"
	}
	return first, problem
}

func isUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~", c) >= 0
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func quoteByte(c byte) string {
	if c < 0x20 || c >= 0x7f {
		return fmt.Sprintf("byte 0x%02X", c)
	}
	return "'" + string(c) + "'"
}

func escape(c byte) string { return fmt.Sprintf("%%%02X", c) }
