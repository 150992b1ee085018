package watch

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// Waits are generous and "nothing happened" is a bounded quiet period
// followed by a positive control: a real change that must be the next one
// reported, proving the watcher was alive and had queued nothing.
const (
	testDebounce = 80 * time.Millisecond
	waitChange   = 15 * time.Second
	quietPeriod  = 700 * time.Millisecond
)

func newWatcher(t *testing.T, opts Options) *Watcher {
	t.Helper()
	if opts.Home == "" {
		opts.Home = t.TempDir() // no global excludes of the machine
	}
	w, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

func add(t *testing.T, w *Watcher, s Service) Status {
	t.Helper()
	if s.Debounce == 0 {
		s.Debounce = testDebounce
	}
	st, err := w.Add(s)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// repo makes a folder with the given files (content "v1").
func repo(t *testing.T, files ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range files {
		writeFile(t, filepath.Join(dir, f), "v1")
	}
	return dir
}

func nextChange(t *testing.T, w *Watcher) Change {
	t.Helper()
	select {
	case c, ok := <-w.Changes():
		if !ok {
			t.Fatal("Changes closed")
		}
		return c
	case <-time.After(waitChange):
		t.Fatalf("no change reported within %s", waitChange)
	}
	return Change{}
}

func expectQuiet(t *testing.T, w *Watcher, why string) {
	t.Helper()
	select {
	case c := <-w.Changes():
		t.Fatalf("%s: reported %+v, want nothing", why, c)
	case <-time.After(quietPeriod):
	}
}

// control writes file in dir and expects it to be the next change, of
// service.
func control(t *testing.T, w *Watcher, service, dir, file string) Change {
	t.Helper()
	writeFile(t, filepath.Join(dir, file), fmt.Sprint("control ", time.Now().UnixNano()))
	c := nextChange(t, w)
	if c.Service != service || c.Trigger != file {
		t.Fatalf("control change = %+v, want service %s, trigger %s", c, service, file)
	}
	return c
}

func TestChangeReportsExactlyThatService(t *testing.T) {
	t.Parallel()
	w := newWatcher(t, Options{})
	api, billing := repo(t, "main.go", "pkg/util.go"), repo(t, "main.py")
	add(t, w, Service{Name: "api", Dir: api})
	add(t, w, Service{Name: "billing", Dir: billing})

	writeFile(t, filepath.Join(api, "pkg", "util.go"), "v2")
	c := nextChange(t, w)
	want := Change{Service: "api", Trigger: "pkg/util.go", Files: 1}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("change = %+v, want %+v", c, want)
	}
	if got := c.Reason(); got != "pkg/util.go changed" {
		t.Errorf("Reason = %q", got)
	}
	expectQuiet(t, w, "after one change of api")
	control(t, w, "billing", billing, "main.py")
}

func TestIgnoredChangesReportNothing(t *testing.T) {
	t.Parallel()
	w := newWatcher(t, Options{})
	dir := repo(t, "main.go", "node_modules/left/index.js", "web/node_modules/x/y.js", "sub/keep.tmp", "build/out.bin")
	git(t, dir, "init", "-q")
	writeFile(t, filepath.Join(dir, ".gitignore"), "*.txt\n*.tmp\n!important.txt\n")
	writeFile(t, filepath.Join(dir, "sub", ".gitignore"), "generated/\n!keep.tmp\n")
	writeFile(t, filepath.Join(dir, "sub", "generated", "a.go"), "v1")
	writeFile(t, filepath.Join(dir, ".git", "info", "exclude"), "local.env\n")
	st := add(t, w, Service{Name: "api", Dir: dir, Ignore: []string{"*.gen"}})
	// ., sub and web: no descriptor is spent on .git, node_modules, build or
	// sub/generated.
	if st.Folders != 3 || st.Polling || !st.Enabled {
		t.Errorf("status = %+v, want 3 folders watched by the OS", st)
	}

	for _, f := range []string{
		".git/HEAD", ".git/objects/ab/cdef",
		"node_modules/left/index.js", "node_modules/new.js", "web/node_modules/x/y.js",
		"build/out.bin", "sub/generated/a.go",
		"debug.txt", "sub/x.tmp", "local.env", "schema.gen", "worker.log",
		".main.go.swp", "main.go~", "4913", ".#main.go",
	} {
		writeFile(t, filepath.Join(dir, f), "v2")
	}
	expectQuiet(t, w, "after changes under .git and ignored paths")
	control(t, w, "api", dir, "main.go")

	// Negated patterns, at the root and in a nested .gitignore, are watched.
	for _, f := range []string{"important.txt", "sub/keep.tmp"} {
		control(t, w, "api", dir, f)
	}
}

// A save through a temporary file renamed over the real one (sed -i, Go's
// atomic writers) names the real one.
func TestTriggerIsAFileThatStillExists(t *testing.T) {
	t.Parallel()
	w := newWatcher(t, Options{})
	dir := repo(t, "main.go")
	add(t, w, Service{Name: "api", Dir: dir, Debounce: 300 * time.Millisecond})
	tmp := filepath.Join(dir, "sedAb12Cd")
	writeFile(t, tmp, "v2")
	if err := os.Rename(tmp, filepath.Join(dir, "main.go")); err != nil {
		t.Fatal(err)
	}
	if c := nextChange(t, w); c.Trigger != "main.go" {
		t.Errorf("change = %+v, want main.go named", c)
	}
	// A removed file is named when nothing else is left.
	if err := os.Remove(filepath.Join(dir, "main.go")); err != nil {
		t.Fatal(err)
	}
	if c := nextChange(t, w); c.Trigger != "main.go" || c.Files != 1 {
		t.Errorf("change = %+v, want the removal of main.go", c)
	}
}

func TestBurstGivesOneChange(t *testing.T) {
	t.Parallel()
	w := newWatcher(t, Options{})
	dir := repo(t, "main.go")
	add(t, w, Service{Name: "api", Dir: dir, Debounce: time.Second}) // one burst, even on a busy machine
	for i := range 200 {
		writeFile(t, filepath.Join(dir, "gen", fmt.Sprintf("f%03d.go", i%20), fmt.Sprintf("g%03d.go", i)), "v1")
	}
	c := nextChange(t, w)
	if c.Service != "api" || c.Files != 200 || !strings.HasPrefix(c.Trigger, "gen/f000.go/") {
		t.Errorf("change = %+v, want one of api with 200 files, first gen/f000.go/...", c)
	}
	if got := c.Reason(); !strings.HasSuffix(got, " and 199 other files changed") {
		t.Errorf("Reason = %q", got)
	}
	expectQuiet(t, w, "after the burst's change")
	control(t, w, "api", dir, "main.go")
}

func TestGitCheckoutGivesOneChange(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	git(t, dir, "init", "-q", "-b", "master")
	for i := range 200 {
		writeFile(t, filepath.Join(dir, "src", fmt.Sprintf("d%d", i%10), fmt.Sprintf("f%03d.go", i)), "v1")
	}
	git(t, dir, "add", ".")
	git(t, dir, "commit", "-q", "-m", "one")
	git(t, dir, "checkout", "-q", "-b", "other")
	for i := range 200 {
		writeFile(t, filepath.Join(dir, "src", fmt.Sprintf("d%d", i%10), fmt.Sprintf("f%03d.go", i)), "v2")
	}
	git(t, dir, "commit", "-q", "-am", "two")
	git(t, dir, "checkout", "-q", "master")

	w := newWatcher(t, Options{})
	add(t, w, Service{Name: "api", Dir: dir, Debounce: time.Second}) // one burst, even on a busy machine
	git(t, dir, "checkout", "-q", "other")
	c := nextChange(t, w)
	if c.Service != "api" || c.Files != 200 || !strings.HasPrefix(c.Trigger, "src/") {
		t.Errorf("change = %+v, want one of api with the 200 files of the checkout", c)
	}
	expectQuiet(t, w, "after the checkout's change")
	control(t, w, "api", dir, "README")
}

func TestSetupWhenChangeIsFlagged(t *testing.T) {
	t.Parallel()
	w := newWatcher(t, Options{})
	dir := repo(t, "index.js", "package-lock.json", "deps/requirements.lock")
	writeFile(t, filepath.Join(dir, ".gitignore"), "deps/\n")
	add(t, w, Service{Name: "web", Dir: dir, Paths: []string{"index.js"},
		SetupWhen: []string{"package-lock.json", "deps/requirements.lock", "missing.txt"}})

	writeFile(t, filepath.Join(dir, "index.js"), "v2")
	writeFile(t, filepath.Join(dir, "package-lock.json"), "v2")
	c := nextChange(t, w)
	if c.Trigger != "index.js" || c.Files != 2 || !reflect.DeepEqual(c.SetupChanged, []string{"package-lock.json"}) {
		t.Errorf("change = %+v, want index.js first, 2 files, setup changed by package-lock.json", c)
	}
	// A setup_when file counts even in an ignored folder.
	writeFile(t, filepath.Join(dir, "deps", "requirements.lock"), "v2")
	c = nextChange(t, w)
	if c.Trigger != "deps/requirements.lock" || !reflect.DeepEqual(c.SetupChanged, []string{"deps/requirements.lock"}) {
		t.Errorf("change = %+v, want deps/requirements.lock flagged", c)
	}
	// A file outside paths counts for nothing; a change without setup_when
	// files flags none.
	writeFile(t, filepath.Join(dir, "README"), "v2")
	writeFile(t, filepath.Join(dir, "deps", "other.txt"), "v2")
	expectQuiet(t, w, "after changes outside paths")
	if c := control(t, w, "web", dir, "index.js"); c.SetupChanged != nil {
		t.Errorf("control change flags setup: %+v", c)
	}
}

func TestNewFolderIsWatched(t *testing.T) {
	t.Parallel()
	w := newWatcher(t, Options{})
	dir := repo(t, "main.go")
	add(t, w, Service{Name: "api", Dir: dir})

	writeFile(t, filepath.Join(dir, "a", "b", "c.go"), "v1") // mkdir -p and a file, at once
	c := nextChange(t, w)
	if c.Trigger != "a/b/c.go" {
		t.Errorf("change = %+v, want a/b/c.go, written as its folders appeared", c)
	}
	if st, _ := w.Status("api"); st.Folders != 3 {
		t.Errorf("status = %+v, want 3 folders (., a, a/b)", st)
	}
	// The new folder's own watch sees a later write.
	control(t, w, "api", dir, "a/b/c.go")

	// A folder moved keeps being watched under its new name.
	if err := os.Rename(filepath.Join(dir, "a"), filepath.Join(dir, "moved")); err != nil {
		t.Fatal(err)
	}
	// The folder gone and the file that arrived with the new one both count;
	// the one that exists is named.
	if c := nextChange(t, w); c.Trigger != "moved/b/c.go" || c.Files != 2 {
		t.Errorf("change = %+v, want moved/b/c.go and the folder a gone", c)
	}
	control(t, w, "api", dir, "moved/b/c.go")

	// A removed folder is dropped.
	if err := os.RemoveAll(filepath.Join(dir, "moved")); err != nil {
		t.Fatal(err)
	}
	nextChange(t, w)
	if st, _ := w.Status("api"); st.Folders != 1 {
		t.Errorf("status after removing the folder = %+v, want 1 folder", st)
	}
	// A new node_modules is not watched.
	writeFile(t, filepath.Join(dir, "node_modules", "x", "y.js"), "v1")
	expectQuiet(t, w, "after npm install")
	if st, _ := w.Status("api"); st.Folders != 1 {
		t.Errorf("status after node_modules appeared = %+v, want 1 folder", st)
	}
	control(t, w, "api", dir, "main.go")
}

func TestGitignoreChangeIsFollowed(t *testing.T) {
	t.Parallel()
	w := newWatcher(t, Options{})
	dir := repo(t, "main.go", "out/a.bin")
	add(t, w, Service{Name: "api", Dir: dir})
	writeFile(t, filepath.Join(dir, ".gitignore"), "out/\n")
	if c := nextChange(t, w); c.Trigger != ".gitignore" {
		t.Errorf("change = %+v, want .gitignore", c)
	}
	if st, _ := w.Status("api"); st.Folders != 1 {
		t.Errorf("status = %+v, want out/ no longer watched", st)
	}
	writeFile(t, filepath.Join(dir, "out", "a.bin"), "v2")
	expectQuiet(t, w, "after a change in a folder ignored since")
	control(t, w, "api", dir, "main.go")
}

func TestDisableStopsReportsAndEnableResumes(t *testing.T) {
	t.Parallel()
	w := newWatcher(t, Options{})
	api, billing := repo(t, "main.go"), repo(t, "main.py")
	add(t, w, Service{Name: "api", Dir: api})
	add(t, w, Service{Name: "billing", Dir: billing, Disabled: true})
	if n := w.Watched(); n != 1 {
		t.Errorf("Watched = %d, want 1 (billing is added disabled)", n)
	}
	writeFile(t, filepath.Join(billing, "main.py"), "v2")
	if err := w.Disable("api"); err != nil {
		t.Fatal(err)
	}
	if n := w.Watched(); n != 0 {
		t.Errorf("Watched = %d after Disable, want 0", n)
	}
	writeFile(t, filepath.Join(api, "main.go"), "v2")
	expectQuiet(t, w, "after changes of disabled services")

	st, err := w.Enable("api")
	if err != nil || !st.Enabled || st.Folders != 1 {
		t.Fatalf("Enable = %+v, %v", st, err)
	}
	if _, err := w.Enable("billing"); err != nil {
		t.Fatal(err)
	}
	if n := w.Watched(); n != 2 {
		t.Errorf("Watched = %d, want 2", n)
	}
	control(t, w, "api", api, "main.go")
	control(t, w, "billing", billing, "main.py")

	// A burst pending when the service is disabled is dropped.
	writeFile(t, filepath.Join(api, "main.go"), "v3")
	if err := w.Disable("api"); err != nil {
		t.Fatal(err)
	}
	expectQuiet(t, w, "after disabling with a burst pending")
	if err := w.Disable("nope"); err == nil {
		t.Error("Disable of an unknown service succeeded")
	}
}

// A stream of writes that never goes quiet still reports, after at most
// maxWaitFactor debounces.
func TestNeverEndingStreamStillReports(t *testing.T) {
	t.Parallel()
	w := newWatcher(t, Options{})
	dir := repo(t, "main.go")
	add(t, w, Service{Name: "api", Dir: dir, Debounce: 150 * time.Millisecond}) // max wait 1.5 s
	stop := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
				_ = os.WriteFile(filepath.Join(dir, "app.out"), []byte(fmt.Sprint(i)), 0o644)
			}
		}
	}()
	defer func() { close(stop); <-stopped }()
	select {
	case c := <-w.Changes():
		if c.Trigger != "app.out" {
			t.Errorf("change = %+v", c)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a stream of writes never reported a change")
	}
}

// A reader that does not keep up holds at most one undelivered change per
// service: nothing is lost, nothing piles up.
func TestSlowReaderGetsMergedChanges(t *testing.T) {
	t.Parallel()
	w := newWatcher(t, Options{})
	dir := repo(t, "a.go", "b.go", "c.go")
	add(t, w, Service{Name: "api", Dir: dir, Debounce: 30 * time.Millisecond})
	for _, f := range []string{"a.go", "b.go", "c.go"} {
		writeFile(t, filepath.Join(dir, f), "v2")
		time.Sleep(400 * time.Millisecond) // each its own burst
	}
	files, changes := 0, 0
	for files < 3 {
		files += nextChange(t, w).Files
		changes++
	}
	if changes > 2 {
		t.Errorf("%d changes for 3 bursts read late, want at most 2 (one in flight, one merged)", changes)
	}
	expectQuiet(t, w, "after the merged changes")
}

func TestOverflowReportsEveryService(t *testing.T) {
	t.Parallel()
	w := newWatcher(t, Options{})
	dir := repo(t, "main.go", "package-lock.json")
	add(t, w, Service{Name: "api", Dir: dir, SetupWhen: []string{"package-lock.json"}})
	w.overflowed() // as when inotify's queue overflows
	c := nextChange(t, w)
	want := Change{Service: "api", SetupChanged: []string{"package-lock.json"}}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("change = %+v, want %+v", c, want)
	}
	if got := c.Reason(); got != "files changed (too many at once to name)" {
		t.Errorf("Reason = %q", got)
	}
}

func TestAddRefusesWhatCannotBeWatched(t *testing.T) {
	t.Parallel()
	w := newWatcher(t, Options{})
	dir := repo(t, "main.go", "sub/x.go")
	add(t, w, Service{Name: "api", Dir: dir})
	tests := []struct {
		s    Service
		want string
	}{
		{Service{Dir: dir}, "a service needs a name"},
		{Service{Name: "rel", Dir: "api"}, `watch rel: repo folder "api" is not absolute`},
		{Service{Name: "gone", Dir: filepath.Join(dir, "nope")}, "no such file or directory: clone the repo first"},
		{Service{Name: "out", Dir: dir, Paths: []string{"../x"}}, `watch out: path "../x" is not inside the repo`},
		{Service{Name: "git", Dir: dir, Paths: []string{".git/hooks"}}, `watch git: path ".git/hooks" is inside .git, which is never watched`},
		{Service{Name: "api", Dir: dir}, "watch api: already watched"},
	}
	for _, tt := range tests {
		if _, err := w.Add(tt.s); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Add(%+v) = %v, want an error containing %q", tt.s, err, tt.want)
		}
	}
}

func TestReason(t *testing.T) {
	tests := []struct {
		c    Change
		want string
	}{
		{Change{Trigger: "main.go", Files: 1}, "main.go changed"},
		{Change{Trigger: "main.go", Files: 2}, "main.go and 1 other file changed"},
		{Change{Trigger: "main.go", Files: 200}, "main.go and 199 other files changed"},
		{Change{}, "files changed (too many at once to name)"},
	}
	for _, tt := range tests {
		if got := tt.c.Reason(); got != tt.want {
			t.Errorf("%+v.Reason() = %q, want %q", tt.c, got, tt.want)
		}
	}
}

func TestCloseClosesChanges(t *testing.T) {
	t.Parallel()
	w, err := New(Options{Home: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	add(t, w, Service{Name: "api", Dir: repo(t, "main.go")})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case _, ok := <-w.Changes():
		if ok {
			t.Error("a change after Close")
		}
	case <-time.After(waitChange):
		t.Fatal("Changes not closed by Close")
	}
	if _, err := w.Add(Service{Name: "late", Dir: t.TempDir()}); err == nil {
		t.Error("Add after Close succeeded")
	}
}
