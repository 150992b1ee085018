package manifest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestUnsetVariableIsAWarningNotAnError(t *testing.T) {
	ws := t.TempDir()
	os.MkdirAll(filepath.Join(ws, "api"), 0o755)
	os.WriteFile(filepath.Join(ws, "api", ".env"), []byte("FROM_FILE=1\n"), 0o644)
	src := doc("version: 1", "project: p", "services:",
		"  api:",
		"    repo: r",
		"    env_file: .env",
		"    env:",
		`      A: "${SET_HERE}:${CRISPIFY_HOST}:${FROM_FILE}"`,
		`      B: "Pa$sw0rd! $$HOME ${NOT_SET} ${ALSO_NOT:-fine} $${LITERAL}"`,
		"    ready: {http: 'http://127.0.0.1:${NO_PORT}/health'}",
	)
	env := map[string]string{"SET_HERE": "x"}
	m, err := Parse([]byte(src), "m.yaml", Options{Workspace: ws, LookupEnv: func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	}})
	if err != nil {
		t.Fatalf("a manifest with an unset variable is valid: %v", err)
	}
	var got []string
	for _, w := range m.Warnings {
		got = append(got, w.String())
	}
	want := []string{
		"m.yaml:9:10: warning: services.api.env.B: ${NOT_SET} is set neither in crispify's environment and env_file .env nor by crispify: it expands to an empty string; export it, or write $${NOT_SET} for a literal $",
		"m.yaml:10:19: warning: services.api.ready.http: ${NO_PORT} is set neither in crispify's environment and env_file .env nor by crispify: it expands to an empty string; export it, or write $${NO_PORT} for a literal $",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
