package secret

import (
	"slices"
	"testing"
)

func TestIsSecretKey(t *testing.T) {
	for _, k := range []string{
		"DB_PASSWORD", "password", "MYSQL_ROOT_PASSWORD_FILE", "PASSWD", "APP_SECRET", "client_secret_id",
		"GITHUB_TOKEN", "CRISPIFY_GIT_TOKEN", "tokenizer_path_TOKEN", "AWS_ACCESS_KEY", "STRIPE_KEY", "API_KEY",
		"APIKEY", "RABBITMQ_DEFAULT_PASS", "GOOGLE_CREDENTIALS", "PRIVATE_KEY_PEM", "KEY",
	} {
		if !IsSecretKey(k) {
			t.Errorf("IsSecretKey(%q) = false, want true", k)
		}
	}
	for _, k := range []string{"PATH", "HOME", "PWD", "OLDPWD", "KEYBOARD", "MONKEY", "PASSAGE", "CRISPIFY_HOST", "WORKER_LISTEN", ""} {
		if IsSecretKey(k) {
			t.Errorf("IsSecretKey(%q) = true, want false", k)
		}
	}
}

func TestRedact(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"https://bob:secret@host/api.git", "https://bob:***@host/api.git"},
		{"clone api (https://bob:secret@host/api.git): failed", "clone api (https://bob:***@host/api.git): failed"},
		{"fatal: unable to access 'http://bob:s%40cret@127.0.0.1:1/x.git/'", "fatal: unable to access 'http://bob:***@127.0.0.1:1/x.git/'"},
		{"two: https://a:1@h/x and https://b:2@k/y", "two: https://a:***@h/x and https://b:***@k/y"},
		{"https://ghp_token@github.com/o/r.git", "https://***@github.com/o/r.git"},
		{"HTTPS://tok@host/r", "HTTPS://***@host/r"},
		{"ssh://git:pw@host/r.git", "ssh://git:***@host/r.git"},
		// Reserved characters written unescaped: everything up to the last
		// @ before the host is hidden, whatever it holds.
		{"http://alice:p@ss#w0rd@host/x.git", "http://alice:***@host/x.git"},
		{"https://bob:pa/ss@host/r", "https://bob:***@host/r"},
		{"https://to/ken@host/r", "https://***@host/r"},
		{"https://a@b:c/d?e#f@host/r and more", "https://***@host/r and more"},
		{"'https://x:y@z@host/r' quoted", "'https://x:***@host/r' quoted"},
		// An @ in a path cannot be told from one in credentials: hidden too.
		{"https://host/path/a@b", "https://***@b"},
		// Users that are no secret stay, and so does everything else.
		{"ssh://git@gitlab.com/crisp/api.git", "ssh://git@gitlab.com/crisp/api.git"},
		{"git@gitlab.com:crisp/api.git", "git@gitlab.com:crisp/api.git"},
		{"https://host/api.git", "https://host/api.git"},
		{"mail me: bob@example.com", "mail me: bob@example.com"},
		{"", ""},
	} {
		if got := Redact(c.in); got != c.want {
			t.Errorf("Redact(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestMaskValue(t *testing.T) {
	for _, c := range []struct{ key, value, want string }{
		{"DB_PASSWORD", "hunter2", "***"},
		{"DB_PASSWORD", "", ""},
		{"API_TOKEN", "Pa$sw0rd!", "***"},
		{"AMQP_URL", "amqp://crisp:s3cret@127.0.0.1:5672", "amqp://crisp:***@127.0.0.1:5672"},
		{"GIT_CONFIG_VALUE_0", "Authorization: Basic Ym9iOnB3", "Authorization: ***"},
		{"HOME", "/home/bob", "/home/bob"},
	} {
		if got := MaskValue(c.key, c.value); got != c.want {
			t.Errorf("MaskValue(%q, %q) = %q, want %q", c.key, c.value, got, c.want)
		}
	}
}

func TestMaskEnv(t *testing.T) {
	in := []string{"PATH=/bin", "DB_PASSWORD=hunter2", "URL=https://u:p@h/x", "=C:=C:\\x", "BROKEN"}
	want := []string{"PATH=/bin", "DB_PASSWORD=***", "URL=https://u:***@h/x", "=C:=C:\\x", "BROKEN"}
	got := MaskEnv(in)
	if !slices.Equal(got, want) {
		t.Errorf("MaskEnv = %q, want %q", got, want)
	}
	if in[1] != "DB_PASSWORD=hunter2" {
		t.Error("MaskEnv changed its input: workers must still get the real value")
	}
}

func TestMaskCommand(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"npm ci", "npm ci"},
		{"DB_PASSWORD=hunter2 ./migrate up", "DB_PASSWORD=*** ./migrate up"},
		{"env API_TOKEN='a b c' node server.js", "env API_TOKEN=*** node server.js"},
		{`export APP_SECRET="x y"; run`, "export APP_SECRET=***; run"},
		{"a=1 DB_KEY=k&&b", "a=1 DB_KEY=***&&b"},
		{"curl -u x https://bob:pw@host/f", "curl -u x https://bob:***@host/f"},
		{"mysql --password=hunter2 db", "mysql --password=*** db"},
		{"tool --api-key hunter2 --verbose", "tool --api-key *** --verbose"},
		{"PORT=8080 ./worker", "PORT=8080 ./worker"},
		{"setup api: `DB_PASSWORD=hunter2 ./x` exited", "setup api: `DB_PASSWORD=*** ./x` exited"},
	} {
		if got := MaskCommand(c.in); got != c.want {
			t.Errorf("MaskCommand(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestMaskArgs(t *testing.T) {
	in := []string{"git", "clone", "--password", "pw", "--token=tok", "--", "https://u:p@h/x", "dir", "-c", "DB_PASSWORD=pw ./migrate up"}
	want := []string{"git", "clone", "--password", "***", "--token=***", "--", "https://u:***@h/x", "dir", "-c", "DB_PASSWORD=*** ./migrate up"}
	if got := MaskArgs(in); !slices.Equal(got, want) {
		t.Errorf("MaskArgs = %q, want %q", got, want)
	}
}
