package tui

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/crispify/crispify/internal/event"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// screens are the states the goldens and the fit checks draw.
func screens() map[string]func(*model) {
	return map[string]func(*model){
		"midboot": func(m *model) { feed(m, 12*time.Second, midBoot()...) },
		"finished": func(m *model) {
			feed(m, 5*time.Minute, finished()...)
		},
	}
}

func TestGoldenViews(t *testing.T) {
	for name, build := range screens() {
		for _, size := range [][2]int{{80, 24}, {160, 48}} {
			t.Run(fmt.Sprintf("%s_%dx%d", name, size[0], size[1]), func(t *testing.T) {
				m := newTestModel(t, testOptions(), &fakeController{}, size[0], size[1])
				build(m)
				checkGolden(t, m, fmt.Sprintf("%s_%dx%d", name, size[0], size[1]))
			})
		}
	}
}

// checkGolden compares the model's frame with testdata/NAME.golden, after
// checking that it fits; go test -update rewrites the file.
func checkGolden(t *testing.T, m *model, name string) {
	t.Helper()
	got := m.View().Content
	checkFits(t, got, m.width, m.height)
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if got+"\n" != string(want) {
		t.Errorf("view differs from %s (go test -update rewrites it)\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// checkFits fails when a line is wider than the terminal or the lines are
// more than its height: either would scroll or wrap the real screen.
func checkFits(t *testing.T, view string, w, h int) {
	t.Helper()
	lines := strings.Split(view, "\n")
	if len(lines) > h {
		t.Errorf("%d lines on a screen of %d", len(lines), h)
	}
	for i, l := range lines {
		if lw := lipgloss.Width(l); lw > w {
			t.Errorf("line %d is %d wide on a screen of %d: %q", i+1, lw, w, ansi.Strip(l))
		}
	}
}

// TestViewsFit draws every kind of screen at sizes from tiny to huge, with
// colour on and off, and checks each fits.
func TestViewsFit(t *testing.T) {
	states := map[string]func(*model){
		"empty": func(*model) {},
		"expanded": func(m *model) {
			feed(m, time.Minute, finished()...)
			m.Update(keyMsg("enter"))
		},
		"help": func(m *model) {
			feed(m, time.Minute, midBoot()...)
			m.Update(keyMsg("?"))
		},
		"filter": func(m *model) {
			feed(m, time.Minute, finished()...)
			typeKeys(m, "/", "a", "p")
		},
		"log": func(m *model) {
			feed(m, time.Minute, finished()...)
			m.sel = itemKey{event.Worker, "billing"}
			m.Update(keyMsg("enter"))
		},
		"quitting": func(m *model) {
			feed(m, time.Minute, finished()...)
			m.Update(keyMsg("q"))
		},
		"longnames": func(m *model) {
			feed(m, time.Minute,
				event.Event{Kind: event.Repo, Name: strings.Repeat("very-long-repository-name-", 6), Phase: event.Failed,
					Error: strings.Repeat("a reason that goes on and on ", 20)},
				event.Event{Kind: event.Image, Name: "registry.example.com:5000/team/some/deep/path/image:1.2.3-alpine", Phase: event.Pulling, Progress: pct(0.5)},
				event.Event{Kind: event.Worker, Name: "w", Phase: event.Ready, PID: 123456789, Ports: []string{"1", "2", "3", "4", "5", "6", "7", "8"}},
			)
		},
	}
	for name, build := range screens() {
		states[name] = build
	}
	for name, build := range states {
		for _, colour := range []bool{false, true} {
			for _, size := range [][2]int{{80, 24}, {160, 48}, {40, 10}, {20, 5}, {250, 70}, {100, 30}} {
				t.Run(fmt.Sprintf("%s_colour=%v_%dx%d", name, colour, size[0], size[1]), func(t *testing.T) {
					opts := testOptions()
					opts.NoColor = !colour
					m := newTestModel(t, opts, &fakeController{}, size[0], size[1])
					build(m)
					checkFits(t, m.View().Content, size[0], size[1])
				})
			}
		}
	}
}
