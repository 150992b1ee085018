package manifest

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestWatchDecoded(t *testing.T) {
	m := parse(t, doc(
		"version: 1",
		"project: p",
		"services:",
		"  on: {repo: r, run: x, watch: true}",
		"  off: {repo: r, run: x, watch: false}",
		"  narrow:",
		"    repo: r",
		"    run: x",
		"    watch:",
		"      paths: [src, go.mod]",
		"      ignore: '*.log'", // one pattern as a string, like setup
		"      debounce: 1s",
		"  empty: {repo: r, run: x, watch: {}}",
		"  unset: {repo: r, run: x}",
	), Options{Home: "/home/dev"})
	tests := []struct {
		name string
		want *Watch
	}{
		{"on", &Watch{Debounce: DefaultWatchDebounce}},
		{"off", &Watch{Off: true, Debounce: DefaultWatchDebounce}},
		{"narrow", &Watch{Paths: []string{"src", "go.mod"}, Ignore: []string{"*.log"}, Debounce: Duration(time.Second)}},
		{"empty", &Watch{Debounce: DefaultWatchDebounce}},
		{"unset", nil},
	}
	for _, tt := range tests {
		if got := m.Services[tt.name].Watch; !reflect.DeepEqual(got, tt.want) {
			t.Errorf("services.%s.watch = %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestWatching(t *testing.T) {
	tests := []struct {
		name  string
		s     Service
		flag  bool
		watch bool
	}{
		{"not written, no flag", Service{Run: "x"}, false, false},
		{"not written, --watch", Service{Run: "x"}, true, true},
		{"watch: true", Service{Run: "x", Watch: &Watch{}}, false, true},
		{"watch: true and --watch", Service{Run: "x", Watch: &Watch{}}, true, true},
		{"watch: false keeps --watch away", Service{Run: "x", Watch: &Watch{Off: true}}, true, false},
		{"watch: false", Service{Run: "x", Watch: &Watch{Off: true}}, false, false},
		{"clone only under --watch", Service{}, true, false},
	}
	for _, tt := range tests {
		if got := tt.s.Watching(tt.flag); got != tt.watch {
			t.Errorf("%s: Watching(%v) = %v, want %v", tt.name, tt.flag, got, tt.watch)
		}
	}
}

func TestWatchDiagnostics(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{"a string", doc("version: 1", "project: p", "services:",
			`  a: {repo: r, run: x, watch: yes}`), []string{
			`m.yaml:4:31: services.a.watch: expected true, false or a map of paths, ignore and debounce, got a string`,
		}},
		{"unknown key", doc("version: 1", "project: p", "services:",
			`  a: {repo: r, run: x, watch: {path: [src]}}`), []string{
			`m.yaml:4:32: unknown key "path" in watch of service "a" (did you mean "paths"?)`,
		}},
		{"paths outside the repo or in .git", doc("version: 1", "project: p", "services:",
			`  a: {repo: r, run: x, watch: {paths: [src, ../x, /etc, "", .git/hooks, a/../../b]}}`), []string{
			`m.yaml:4:45: services.a.watch.paths[1]: "../x" must be a file or folder inside the repo, written relative to it`,
			`m.yaml:4:51: services.a.watch.paths[2]: "/etc" must be a file or folder inside the repo, written relative to it`,
			`m.yaml:4:57: services.a.watch.paths[3]: "" is empty: name a file or folder of the repo`,
			`m.yaml:4:61: services.a.watch.paths[4]: ".git/hooks" is inside .git, which is never watched`,
			`m.yaml:4:73: services.a.watch.paths[5]: "a/../../b" must be a file or folder inside the repo, written relative to it`,
		}},
		{"bad ignore patterns", doc("version: 1", "project: p", "services:",
			`  a: {repo: r, run: x, watch: {ignore: ["*.log", "[ab", "!", "#tmp", "[!a]x", 'x\']}}`), []string{
			`m.yaml:4:50: services.a.watch.ignore[1]: "[ab" is not a valid pattern: a [ is not closed, or a \ ends it`,
			`m.yaml:4:57: services.a.watch.ignore[2]: "!" is empty: write a pattern like *.log or tmp/`,
			`m.yaml:4:62: services.a.watch.ignore[3]: "#tmp" starts with #, which makes it a comment: write \# for a name that starts with #`,
			`m.yaml:4:79: services.a.watch.ignore[5]: "x\\" is not a valid pattern: a [ is not closed, or a \ ends it`,
		}},
		{"debounce", doc("version: 1", "project: p", "services:",
			`  a: {repo: r, run: x, watch: {debounce: 0s}}`,
			`  b: {repo: r, run: x, watch: {debounce: soon}}`), []string{
			`m.yaml:4:42: services.a.watch.debounce must be more than 0`,
			`m.yaml:5:42: services.b.watch.debounce: bad duration "soon": write it like 500ms, 2s or 1m30s`,
		}},
		{"clone only", doc("version: 1", "project: p", "services:",
			`  a: {repo: r, watch: true}`,
			`  b: {repo: r, watch: false}`), []string{
			`m.yaml:4:23: services.a.watch without run: service "a" is clone only, there is no worker to restart`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := diagnose(t, tt.src)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("diagnostics:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}
