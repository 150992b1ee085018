package repos

import (
	"context"
	"encoding/base64"
	"reflect"
	"strings"
	"testing"
)

func TestParseStatus(t *testing.T) {
	out := strings.Join([]string{
		"# branch.oid 0123456789abcdef0123456789abcdef01234567",
		"# branch.head feature/x",
		"# branch.upstream origin/feature/x",
		"# branch.ab +1 -2",
		"1 .M N... 100644 100644 100644 aaaa bbbb src/a file.go",
		"2 R. N... 100644 100644 100644 aaaa bbbb R100 new name.go",
		"old name.go",
		"u UU N... 100644 100644 100644 100644 aaaa bbbb cccc conflict.go",
		"",
	}, "\x00")
	want := Local{
		Branch: "feature/x",
		Head:   "0123456789abcdef0123456789abcdef01234567",
		Dirty:  []string{"src/a file.go", "new name.go", "conflict.go"},
	}
	if got := parseStatus([]byte(out)); !reflect.DeepEqual(got, want) {
		t.Errorf("parseStatus = %+v\nwant %+v", got, want)
	}
	detached := parseStatus([]byte("# branch.oid (initial)\x00# branch.head (detached)\x00"))
	if !reflect.DeepEqual(detached, Local{}) {
		t.Errorf("parseStatus of a detached, empty repo = %+v", detached)
	}
}

func TestCLIEnvironment(t *testing.T) {
	t.Setenv("GIT_CONFIG_COUNT", "1")
	t.Setenv("GIT_CONFIG_KEY_0", "user.name")
	t.Setenv("GIT_CONFIG_VALUE_0", "mine")
	t.Setenv("GIT_SSH_COMMAND", "ssh -i ~/.ssh/work")
	g := cliGit{bin: "git"}
	r := Remote{URL: "https://host:8443/api.git", User: "bob", Password: "s3cr3t-pw"}
	env := g.env(context.Background(), call{remote: &r, config: []string{"merge.autoStash", "false"}})
	last := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		last[k] = v
	}
	basic := base64.StdEncoding.EncodeToString([]byte("bob:s3cr3t-pw"))
	for k, want := range map[string]string{
		"GIT_TERMINAL_PROMPT": "0",
		"GIT_ASKPASS":         "",
		"SSH_ASKPASS":         "",
		"GIT_CONFIG_KEY_0":    "user.name", // the user's own setting is kept
		"GIT_CONFIG_KEY_1":    "merge.autoStash",
		"GIT_CONFIG_KEY_2":    "http.https://host:8443/.extraHeader",
		"GIT_CONFIG_VALUE_2":  "Authorization: Basic " + basic,
		"GIT_CONFIG_COUNT":    "3",
		"GIT_SSH_COMMAND":     "ssh -i ~/.ssh/work", // not ssh: left alone
	} {
		if got, ok := last[k]; !ok || got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	for _, kv := range env {
		if strings.Contains(kv, "s3cr3t-pw") {
			t.Errorf("the password is in the clear in the environment: %s", kv)
		}
	}

	ssh := Remote{URL: "git@gitlab.com:crisp/api.git"}
	env = g.env(context.Background(), call{remote: &ssh})
	if got := lastValue(env, "GIT_SSH_COMMAND"); got != "ssh -i ~/.ssh/work -o BatchMode=yes" {
		t.Errorf("GIT_SSH_COMMAND = %q, want the user's with BatchMode added", got)
	}
}

func lastValue(env []string, key string) string {
	v := ""
	for _, kv := range env {
		if k, val, _ := strings.Cut(kv, "="); k == key {
			v = val
		}
	}
	return v
}

func TestAuthConfig(t *testing.T) {
	if got := authConfig(Remote{URL: "git://host/api.git", User: "u", Password: "p"}); got != nil {
		t.Errorf("credentials sent over git://: %q", got)
	}
	if got := authConfig(Remote{URL: "https://host/api.git"}); got != nil {
		t.Errorf("a header without credentials: %q", got)
	}
}
