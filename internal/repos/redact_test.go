package repos

import "testing"

func TestRedact(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"https://bob:secret@host/api.git", "https://bob:***@host/api.git"},
		{"clone api (https://bob:secret@host/api.git): failed", "clone api (https://bob:***@host/api.git): failed"},
		{"fatal: unable to access 'http://bob:s%40cret@127.0.0.1:1/x.git/'", "fatal: unable to access 'http://bob:***@127.0.0.1:1/x.git/'"},
		{"two: https://a:1@h/x and https://b:2@k/y", "two: https://a:***@h/x and https://b:***@k/y"},
		{"https://ghp_token@github.com/o/r.git", "https://***@github.com/o/r.git"},
		{"HTTPS://tok@host/r", "HTTPS://***@host/r"},
		{"ssh://git:pw@host/r.git", "ssh://git:***@host/r.git"},
		// A password with an unescaped slash is hidden whole.
		{"https://bob:pa/ss@host/r", "https://bob:***@host/r"},
		// Users that are no secret stay, and so does everything else.
		{"ssh://git@gitlab.com/crisp/api.git", "ssh://git@gitlab.com/crisp/api.git"},
		{"git@gitlab.com:crisp/api.git", "git@gitlab.com:crisp/api.git"},
		{"https://host/api.git", "https://host/api.git"},
		{"https://host/path/a@b", "https://host/path/a@b"},
		{"mail me: bob@example.com", "mail me: bob@example.com"},
		{"", ""},
	} {
		if got := Redact(c.in); got != c.want {
			t.Errorf("Redact(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
