package manifest

import (
	"strings"
	"testing"
)

func TestRepoURLProblem(t *testing.T) {
	for _, c := range []struct {
		url  string
		at   int    // -1: no problem
		want string // part of the problem
	}{
		{"https://gitlab.com/crisp/api.git", -1, ""},
		{"https://bob:s%40cr%23t%2Fx@gitlab.com/crisp/api.git", -1, ""},
		{"https://ghp_abc@github.com/o/r.git", -1, ""},
		{"https://bob:pa!$&'()*+,;=ss@host:8443/r.git", -1, ""},
		{"https://host/group/repo@v1.git", -1, ""},
		{"ssh://git@gitlab.com:2222/crisp/api.git", -1, ""},
		{"git@gitlab.com:crisp/api.git", -1, ""},
		{"file:///srv/git/api.git", -1, ""},
		{"/srv/git/api.git", -1, ""},
		{"../api.git", -1, ""},
		{"http://alice:p@ss#w0rd@host/x.git", 14, "'@' in the URL's credentials: percent-encode it as %40 (and '#' as %23)"},
		{"http://alice:p@ss@host/x.git", 14, "'@'"},
		{"https://bob:pa/ss@host/r", 14, "'/'"},
		{"https://to/ken@host/r", 10, "'/'"},
		{"https://tok?en@host/r", 11, "'?'"},
		{"https://bob:pa ss@host/r", 14, "' '"},
		{"https://bob:50%@host/r", 14, "%25"},
		{"https://bob:a[b@host/r", 13, "'['"},
		{"https:///r.git", 8, "no host"},
		{"https://host:port/r.git", 8, "port"},
		{"https://bob:pa/s/s@host/r", 8, "percent-encode"},
		{"https://host/x.git#main", 18, "'#'"},
		{"ht tp://host/r", 0, "scheme"},
	} {
		at, problem := RepoURLProblem(c.url)
		if at != c.at || !strings.Contains(problem, c.want) {
			t.Errorf("RepoURLProblem(%q) = %d, %q; want %d and a problem with %q", c.url, at, problem, c.at, c.want)
		}
		if (problem == "") != (c.at < 0) {
			t.Errorf("RepoURLProblem(%q): at %d with problem %q", c.url, at, problem)
		}
		for _, secret := range []string{"w0rd", "ss@host", "pa ss", "ken", ":pa"} {
			if strings.Contains(c.url, secret) && strings.Contains(problem, secret) {
				t.Errorf("RepoURLProblem(%q) shows the credentials: %q", c.url, problem)
			}
		}
	}
}

func TestRepoURLDiagnosticPointsAtTheCharacter(t *testing.T) {
	src := doc("version: 1", "project: p", "services:",
		"  api:",
		"    repo: http://alice:p@ss#w0rd@host/x.git",
		"  web:",
		"    repo: 'https://to/ken@host/r'",
		"  doc:",
		`    repo: "https://bob:pa ss@host/r"`,
	)
	got := diagnose(t, src)
	want := []string{
		`m.yaml:5:25: services.api.repo: unescaped '@' in the URL's credentials: percent-encode it as %40 (and '#' as %23)`,
		`m.yaml:7:22: services.web.repo: unescaped '/' in the URL's credentials: percent-encode it as %2F`,
		`m.yaml:9:11: services.doc.repo: unescaped ' ' in the URL's credentials: percent-encode it as %20`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("diagnostics:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, d := range got {
		for _, secret := range []string{"w0rd", "ken@", "pa ss"} {
			if strings.Contains(d, secret) {
				t.Errorf("diagnostic shows the credentials: %s", d)
			}
		}
	}
}
