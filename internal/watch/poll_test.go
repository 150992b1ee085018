package watch

import (
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// limitAfter makes w's OS watches of folders under dir fail as inotify does
// when max_user_watches is used up, after n of them.
func limitAfter(w *Watcher, dir string, n int) {
	real := w.add
	w.add = func(p string) error {
		if strings.HasPrefix(p, dir) {
			if n <= 0 {
				return syscall.ENOSPC
			}
			n--
		}
		return real(p)
	}
}

func TestWatchLimitFallsBackToPolling(t *testing.T) {
	t.Parallel()
	w := newWatcher(t, Options{PollInterval: 100 * time.Millisecond})
	big := repo(t, "main.go", "a/x.go", "b/y.go", "c/z.go", "node_modules/m.js")
	small := repo(t, "main.py")
	limitAfter(w, big, 2)

	st := add(t, w, Service{Name: "big", Dir: big})
	if !st.Polling || !st.Enabled || st.Folders != 0 {
		t.Errorf("status = %+v, want polled, with the watches it had taken given back", st)
	}
	var le *LimitError
	if !errors.As(st.Problem, &le) || !errors.Is(st.Problem, syscall.ENOSPC) {
		t.Fatalf("problem = %v, want a *LimitError of ENOSPC", st.Problem)
	}
	msg := st.Problem.Error()
	for _, want := range []string{
		"watch big (" + big + "): ",
		"inotify watches (fs.inotify.max_user_watches) is used up",
		"polling it every 100ms instead",
		"`sudo sysctl fs.inotify.max_user_watches=524288`",
		"`echo fs.inotify.max_user_watches=524288 | sudo tee /etc/sysctl.d/60-crispify-inotify.conf`",
	} {
		if runtime.GOOS == "linux" && !strings.Contains(msg, want) {
			t.Errorf("problem %q does not say %q", msg, want)
		}
	}
	if n := readInt(maxWatchesFile); n > 0 && !strings.Contains(msg, "limit of "+strconv.Itoa(n)+" inotify watches") {
		t.Errorf("problem %q does not name the limit, %d", msg, n)
	}
	// The others keep the OS's watcher.
	if st := add(t, w, Service{Name: "small", Dir: small}); st.Polling || st.Folders != 1 {
		t.Errorf("small = %+v, want watched by the OS", st)
	}

	writeFile(t, filepath.Join(big, "a", "x.go"), "v2")
	c := nextChange(t, w)
	if c.Service != "big" || c.Trigger != "a/x.go" || c.Files != 1 || !c.Polling {
		t.Errorf("change = %+v, want a/x.go of big, polled", c)
	}
	// Polling follows the same rules.
	writeFile(t, filepath.Join(big, "node_modules", "m.js"), "v2")
	writeFile(t, filepath.Join(big, "main.go.swp"), "v2")
	expectQuiet(t, w, "after ignored changes of a polled repo")
	if c := control(t, w, "big", big, "d/new.go"); !c.Polling {
		t.Errorf("control = %+v, want polled", c)
	}
	control(t, w, "small", small, "main.py")

	// Turned off and on, it tries the OS again, and falls back again.
	if err := w.Disable("big"); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(big, "main.go"), "v3")
	expectQuiet(t, w, "after a change of a disabled polled repo")
	if st, err := w.Enable("big"); err != nil || !st.Polling {
		t.Errorf("Enable = %+v, %v; want polled again", st, err)
	}
	control(t, w, "big", big, "main.go")
}

func TestWatchLimitOnNewFolderFallsBack(t *testing.T) {
	t.Parallel()
	w := newWatcher(t, Options{PollInterval: 100 * time.Millisecond})
	dir := repo(t, "main.go")
	limitAfter(w, dir, 1)
	if st := add(t, w, Service{Name: "api", Dir: dir}); st.Polling {
		t.Fatalf("status = %+v, want watched by the OS at first", st)
	}
	writeFile(t, filepath.Join(dir, "sub", "x.go"), "v1")
	if c := nextChange(t, w); c.Trigger != "sub" {
		t.Errorf("change = %+v, want the new folder sub", c)
	}
	st, _ := w.Status("api")
	var le *LimitError
	if !st.Polling || !errors.As(st.Problem, &le) {
		t.Errorf("status = %+v, want polled for the limit", st)
	}
	if c := control(t, w, "api", dir, "sub/x.go"); !c.Polling {
		t.Errorf("control = %+v, want polled", c)
	}
}

func TestPollingIsBounded(t *testing.T) {
	t.Parallel()
	w := newWatcher(t, Options{PollInterval: 100 * time.Millisecond, PollMaxFiles: 10})
	var files []string
	for i := range 30 {
		files = append(files, fmt.Sprintf("f%02d.go", i))
	}
	dir := repo(t, files...)
	limitAfter(w, dir, 0)
	st := add(t, w, Service{Name: "api", Dir: dir})
	want := "poll api (" + dir + "): more than 10 files and folders: only the first 10 are looked at"
	if !st.Polling || st.Problem == nil || !strings.Contains(st.Problem.Error(), want) {
		t.Fatalf("status = %+v, want polling bounded: %q", st, want)
	}
	// f00..f08 are looked at (the folder takes one of the ten), f29 is not.
	writeFile(t, filepath.Join(dir, "f29.go"), "v2")
	expectQuiet(t, w, "after a change past the bound")
	control(t, w, "api", dir, "f03.go")
}

func TestLimitErrorNamesTheSetting(t *testing.T) {
	base := LimitError{Service: "api", Dir: "/ws/api", Poll: 2 * time.Second}
	tests := []struct {
		setting string
		limit   int
		want    string
	}{
		{"fs.inotify.max_user_watches", 8192, "watch api (/ws/api): the system's limit of 8192 inotify watches (fs.inotify.max_user_watches) is used up: polling it every 2s instead; " +
			"raise it with `sudo sysctl fs.inotify.max_user_watches=524288`, and keep it across reboots with " +
			"`echo fs.inotify.max_user_watches=524288 | sudo tee /etc/sysctl.d/60-crispify-inotify.conf`"},
		{"fs.inotify.max_user_instances", 0, "watch api (/ws/api): the system's limit of inotify watchers (fs.inotify.max_user_instances) is used up: polling it every 2s instead; " +
			"raise it with `sudo sysctl fs.inotify.max_user_instances=1024`, and keep it across reboots with " +
			"`echo fs.inotify.max_user_instances=1024 | sudo tee /etc/sysctl.d/60-crispify-inotify.conf`"},
		{"open files", 0, "watch api (/ws/api): the limit of open files (ulimit -n), which watching takes one of per file, is reached: polling it every 2s instead; " +
			"raise it with `ulimit -n 65536` in the shell that starts crispify, or narrow what is watched with watch.paths"},
	}
	for _, tt := range tests {
		e := base
		e.Setting, e.Limit = tt.setting, tt.limit
		if got := e.Error(); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.setting, got, tt.want)
		}
	}
}
