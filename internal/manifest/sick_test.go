package manifest

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Each key of a sick: comes from the entry, else defaults.sick, else the
// built-in default; none turns a threshold off.
func TestSickDecoded(t *testing.T) {
	m := parse(t, doc(
		"version: 1",
		"project: p",
		"defaults:",
		"  sick: {memory: 1GB, slow: 2s}",
		"infra:",
		"  redis: {image: redis, sick: {cpu: 150%}}",
		"  plain: {image: redis}",
		"services:",
		"  api: {repo: r, run: x, sick: {cpu: 80, memory: 512MiB, slow: 500ms}}",
		"  quiet: {repo: r, run: x, sick: {cpu: none, memory: none}}",
		"  unset: {repo: r, run: x}",
	), Options{Home: "/home/dev"})
	tests := []struct {
		name string
		got  *Sick
		want Sick
	}{
		{"defaults", m.Defaults.Sick, Sick{CPU: 90, Memory: 1e9, Slow: Duration(2 * time.Second)}},
		{"redis", m.Infra["redis"].Sick, Sick{CPU: 150, Memory: 1e9, Slow: Duration(2 * time.Second)}},
		{"plain", m.Infra["plain"].Sick, Sick{CPU: 90, Memory: 1e9, Slow: Duration(2 * time.Second)}},
		{"api", m.Services["api"].Sick, Sick{CPU: 80, Memory: 512 << 20, Slow: Duration(500 * time.Millisecond)}},
		{"quiet", m.Services["quiet"].Sick, Sick{Slow: Duration(2 * time.Second)}},
		{"unset", m.Services["unset"].Sick, Sick{CPU: 90, Memory: 1e9, Slow: Duration(2 * time.Second)}},
	}
	for _, tt := range tests {
		if tt.got == nil || !reflect.DeepEqual(*tt.got, tt.want) {
			t.Errorf("%s sick = %+v, want %+v", tt.name, tt.got, tt.want)
		}
	}
	bare := parse(t, doc("version: 1", "project: p", "services:", "  a: {repo: r, run: x}"), Options{Home: "/home/dev"})
	if got := *bare.Services["a"].Sick; got != (Sick{CPU: DefaultSickCPU, Slow: DefaultSickSlow}) {
		t.Errorf("without any sick: %+v, want cpu 90%% and slow 1s", got)
	}
}

func TestSickDiagnostics(t *testing.T) {
	got := diagnose(t, doc(
		"version: 1",
		"project: p",
		"defaults:",
		"  sick: {cpu: lots}",
		"services:",
		"  a: {repo: r, run: x, sick: {cpu: 0%, memory: 12XB, slow: 0s, fast: 1s}}",
		"  b: {repo: r, run: x, sick: [cpu]}",
	))
	want := []string{
		`m.yaml:4:15: defaults.sick.cpu: bad percentage "lots": write it like 90% (of one core; 200% is two), or none`,
		`m.yaml:6:36: services.a.sick.cpu: bad percentage "0%": write it like 90% (of one core; 200% is two), or none`,
		`m.yaml:6:48: services.a.sick.memory: bad size "12XB": write it like 512MB, 1GB or 1.5GiB, or none`,
		`m.yaml:6:60: services.a.sick.slow must be more than 0`,
		`m.yaml:6:64: unknown key "fast" in sick of service "a" (allowed: cpu, memory, slow)`,
		`m.yaml:7:30: services.b.sick: expected a map, got a list`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("diagnostics:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// The schema's patterns accept what the parsers accept.
func TestSickPatterns(t *testing.T) {
	for _, s := range []string{"90%", "90", "12.5%", "none", "200%"} {
		if !regexp.MustCompile(percentPattern).MatchString(s) {
			t.Errorf("percent pattern rejects %q", s)
		}
	}
	for _, s := range []string{"512MB", "1GB", "1.5GiB", "100 MB", "1048576", "64k", "none", "2gb"} {
		if !regexp.MustCompile(sizePattern).MatchString(s) {
			t.Errorf("size pattern rejects %q", s)
		}
	}
}
