package workers

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/crispify/crispify/internal/manifest"
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
			"WS":       "${CRISPIFY_WORKSPACE}/data",
			"PASSWORD": "Pa$sw0rd! and $${CRISPIFY_HOST}",
			"MISSING":  "[${NOPE}]",
			"DEFAULT":  "${NOPE:-fallback}",
		}, []string{"AMQP_URL=amqp://crisp:from-file@127.0.0.1:5672", "WS=/ws/data", "PASSWORD=Pa$sw0rd! and ${CRISPIFY_HOST}", "MISSING=[]", "DEFAULT=fallback"}, nil},
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

func TestEnvFileBadLineShowsNoValue(t *testing.T) {
	path := filepath.Join(t.TempDir(), ".env")
	os.WriteFile(path, []byte("A=1\nDB_PASSWORD hunter2\n"), 0o644)
	_, err := Environment(nil, nil, path, nil)
	if err == nil || !strings.Contains(err.Error(), path+", line 2, DB_PASSWORD: no = after the name") {
		t.Fatalf("want the file, line and key, got %v", err)
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("the error shows the password: %v", err)
	}
}

func TestServiceEnvFileConfinedToTheRepo(t *testing.T) {
	repo := filepath.Join(t.TempDir(), "api")
	outside := filepath.Join(t.TempDir(), "secrets.env")
	os.MkdirAll(repo, 0o755)
	os.WriteFile(outside, []byte("STOLEN=yes\n"), 0o644)
	os.WriteFile(filepath.Join(repo, "real.env"), []byte("OWN=yes\n"), 0o644)
	os.Symlink("real.env", filepath.Join(repo, ".env"))
	os.Symlink(outside, filepath.Join(repo, "stolen.env"))

	got, err := ServiceEnvironment(nil, nil, &manifest.Service{Name: "api", Dir: repo, EnvFile: ".env"})
	if err != nil || !slices.Contains(got, "OWN=yes") {
		t.Errorf("a symlink inside the repo: %q, %v", got, err)
	}
	for _, bad := range []string{"stolen.env", "../secrets.env", outside} {
		got, err := ServiceEnvironment(nil, nil, &manifest.Service{Name: "api", Dir: repo, EnvFile: bad})
		if !errors.Is(err, manifest.ErrOutsideRepo) || slices.Contains(got, "STOLEN=yes") {
			t.Errorf("env_file %s: %q, %v; want it refused as outside the repo", bad, got, err)
		}
	}
}
