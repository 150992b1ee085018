package secret

import "strings"

// MaskCommand returns a shell command line as crispify shows it: the value
// of every assignment to a secret-looking variable (DB_PASSWORD=x ./run)
// and of every secret-looking flag (--password=x, --api-key x) replaced by
// Mask, and the credentials of URLs hidden. It reads words as sh does,
// quotes included, well enough for the commands of a manifest; the command
// that runs is never changed.
func MaskCommand(cmd string) string {
	var b strings.Builder
	maskNext := false
	for _, w := range shellWords(cmd) {
		if w.sep {
			b.WriteString(w.text)
			continue
		}
		text, next := maskWord(w.text, maskNext)
		b.WriteString(text)
		maskNext = next
	}
	return Redact(b.String())
}

// MaskArgs returns a copy of argv with what MaskCommand hides in a command
// line hidden in each argument.
func MaskArgs(argv []string) []string {
	out := make([]string, len(argv))
	maskNext := false
	for i, a := range argv {
		if strings.ContainsAny(a, " \t\n;&|") {
			// A script in one argument (sh -c '...'): masked as a line.
			out[i], maskNext = MaskCommand(a), false
			continue
		}
		out[i], maskNext = maskWord(a, maskNext)
		out[i] = Redact(out[i])
	}
	return out
}

// maskWord masks one word; masked says the word before was a secret flag
// waiting for its value. next says this word is one.
func maskWord(w string, masked bool) (text string, next bool) {
	if masked && !strings.HasPrefix(w, "-") {
		return Mask, false
	}
	if strings.HasPrefix(w, "-") {
		name, _, hasValue := strings.Cut(strings.TrimLeft(w, "-"), "=")
		if !IsSecretKey(name) || name == "" {
			return w, false
		}
		if hasValue {
			return w[:strings.Index(w, "=")+1] + Mask, false
		}
		return w, true
	}
	if k, _, ok := strings.Cut(w, "="); ok && isName(k) && IsSecretKey(k) {
		return k + "=" + Mask, false
	}
	return w, false
}

func isName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		letter := c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
		if !letter && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// word is a piece of a command line: a word, or what separates words
// (spaces, the operators ; & | ( ) < > and backquotes).
type word struct {
	text string
	sep  bool
}

// shellWords splits a command line into words and separators, keeping
// every byte, so that joining them gives the line back.
func shellWords(s string) []word {
	var out []word
	// A backquote ends a word too: prose quotes commands in them.
	isSep := func(c byte) bool { return strings.IndexByte(" \t\n;&|()<>`", c) >= 0 }
	for i := 0; i < len(s); {
		j := i
		if isSep(s[i]) {
			for j < len(s) && isSep(s[j]) {
				j++
			}
			out = append(out, word{s[i:j], true})
			i = j
			continue
		}
		for j < len(s) && !isSep(s[j]) {
			switch s[j] {
			case '\'', '"':
				end := strings.IndexByte(s[j+1:], s[j])
				if end < 0 {
					j = len(s)
				} else {
					j += end + 2
				}
			case '\\':
				j = min(j+2, len(s))
			default:
				j++
			}
		}
		out = append(out, word{s[i:j], false})
		i = j
	}
	return out
}
