package workers

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestEnvironmentLayers(t *testing.T) {
	dir := t.TempDir()
	envFile := filepath.Join(dir, ".env")
	os.WriteFile(envFile, []byte("DB_PASS=from-file\nLOG_LEVEL=debug\nHOME=/from/file\n"), 0o644)
	base := []string{"HOME=/home/dev", "PATH=/usr/bin", "LOG_LEVEL=info", "CRISPIFY_HOST=user-set"}
	builtins := map[string]string{"CRISPIFY_HOST": "127.0.0.1", "CRISPIFY_PROJECT": "crisp", "CRISPIFY_WORKSPACE": "/ws"}
	tests := []struct {
		name    string
		envFile string
		env     map[string]string
		want    []string // KEY=VALUE that must be in the result
		absent  []string // keys that must not be
	}{
		{"base only", "", nil, []string{"HOME=/home/dev", "PATH=/usr/bin", "LOG_LEVEL=info"}, []string{"DB_PASS"}},
		{"builtins over base", "", nil, []string{"CRISPIFY_HOST=127.0.0.1", "CRISPIFY_PROJECT=crisp", "CRISPIFY_WORKSPACE=/ws"}, nil},
		{"env_file over builtins and base", envFile, nil, []string{"LOG_LEVEL=debug", "HOME=/from/file", "DB_PASS=from-file"}, nil},
		{"manifest env over all", envFile, map[string]string{"LOG_LEVEL": "warn", "HOME": "/m"}, []string{"LOG_LEVEL=warn", "HOME=/m"}, nil},
		{"expands from below", envFile, map[string]string{
			"AMQP_URL": "amqp://crisp:${DB_PASS}@${CRISPIFY_HOST}:5672",
			"WS":       "$CRISPIFY_WORKSPACE/data",
			"MISSING":  "[${NOPE}]",
			"DEFAULT":  "${NOPE:-fallback}",
		}, []string{"AMQP_URL=amqp://crisp:from-file@127.0.0.1:5672", "WS=/ws/data", "MISSING=[]", "DEFAULT=fallback"}, nil},
		{"manifest env does not expand from itself", "", map[string]string{"A": "a", "B": "${A}"}, []string{"A=a", "B="}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Environment(base, builtins, tt.envFile, tt.env)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !slices.Contains(got, w) {
					t.Errorf("no %s in %q", w, got)
				}
			}
			for _, k := range tt.absent {
				for _, kv := range got {
					if strings.HasPrefix(kv, k+"=") {
						t.Errorf("%s is set: %q", k, got)
					}
				}
			}
			seen := map[string]bool{}
			for _, kv := range got {
				k, _, _ := strings.Cut(kv, "=")
				if seen[k] {
					t.Errorf("%s twice in %q", k, got)
				}
				seen[k] = true
			}
		})
	}
}

func TestEnvironmentKeepsTheOrderOfBase(t *testing.T) {
	got, err := Environment([]string{"B=1", "A=2"}, map[string]string{"A": "3", "C": "4"}, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"B=1", "A=3", "C=4"}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestEnvironmentMissingEnvFile(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "api", ".env")
	_, err := Environment(nil, nil, missing, nil)
	if err == nil || !strings.Contains(err.Error(), missing) || !strings.Contains(err.Error(), "env_file") {
		t.Errorf("want an error naming %s, got %v", missing, err)
	}
}

func TestReadEnvFile(t *testing.T) {
	tests := []struct {
		name, text string
		want       [][2]string
		wantErr    string
	}{
		{"plain", "A=1\nB=two words\n", [][2]string{{"A", "1"}, {"B", "two words"}}, ""},
		{"comments and blanks", "# a comment\n\n  \nA=1\n   # indented\n", [][2]string{{"A", "1"}}, ""},
		{"export", "export A=1\nexport  B = 2 \n", [][2]string{{"A", "1"}, {"B", "2"}}, ""},
		{"double quotes", `A="x y"` + "\n" + `B="line\nnext \"q\""`, [][2]string{{"A", "x y"}, {"B", "line\nnext \"q\""}}, ""},
		{"single quotes are literal", `A='$HOME \n'`, [][2]string{{"A", `$HOME \n`}}, ""},
		{"quotes then a comment", `A="v" # note`, [][2]string{{"A", "v"}}, ""},
		{"inline comment", "A=v # note\nB=pa#ss", [][2]string{{"A", "v"}, {"B", "pa#ss"}}, ""},
		{"empty value", "A=\nB=''", [][2]string{{"A", ""}, {"B", ""}}, ""},
		{"equals in value", "URL=http://x/?a=b", [][2]string{{"URL", "http://x/?a=b"}}, ""},
		{"crlf", "A=1\r\nB=2\r\n", [][2]string{{"A", "1"}, {"B", "2"}}, ""},
		{"bare key passes through", "A\nB=1", [][2]string{{"B", "1"}}, ""},
		{"unclosed quote kept", `A="open`, [][2]string{{"A", `"open`}}, ""},
		{"bad key", "A=1\nNOT A KEY=2\n", nil, ".env:2:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), ".env")
			os.WriteFile(path, []byte(tt.text), 0o644)
			got, err := readEnvFile(path)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("want error with %q, got %v", tt.wantErr, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
