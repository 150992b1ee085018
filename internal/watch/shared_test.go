package watch

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"
)

// The services of one repo (a monorepo: issue 17) share its folders.

// shopRepo is a repo of two services and a package they share.
func shopRepo(t *testing.T) string {
	t.Helper()
	return repo(t, "cmd/orders/main.go", "cmd/payments/main.go", "internal/shared/shared.go", "go.mod", "go.sum", "README")
}

// shopService watches the repo for one of its services: its own dir, the
// shared package and go.mod.
func shopService(dir, name string) Service {
	return Service{Name: name, Dir: dir, Paths: []string{"cmd/" + name, "internal/shared", "go.mod"}}
}

// osWatches are the folders under an OS watch, relative to dir, sorted.
func osWatches(t *testing.T, w *Watcher, dir string) []string {
	t.Helper()
	var out []string
	for _, abs := range w.fsw.WatchList() {
		rel, err := filepath.Rel(dir, abs)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, filepath.ToSlash(rel))
	}
	slices.Sort(out)
	return out
}

// changesOf reads the next n changes, one per service, by service.
func changesOf(t *testing.T, w *Watcher, n int) map[string]Change {
	t.Helper()
	out := map[string]Change{}
	for range n {
		c := nextChange(t, w)
		if _, twice := out[c.Service]; twice {
			t.Fatalf("two changes of %s: %+v, then %+v", c.Service, out[c.Service], c)
		}
		out[c.Service] = c
	}
	return out
}

func TestServicesOfOneRepoGetTheChangesUnderTheirPaths(t *testing.T) {
	t.Parallel()
	w := newWatcher(t, Options{})
	dir := shopRepo(t)
	adds := 0
	real := w.add
	w.add = func(p string) error { adds++; return real(p) }
	orders := add(t, w, shopService(dir, "orders"))
	payments := add(t, w, shopService(dir, "payments"))
	// ., cmd, cmd/<its own>, internal, internal/shared.
	if orders.Folders != 5 || payments.Folders != 5 || orders.Polling || payments.Polling {
		t.Errorf("statuses = %+v, %+v; want 5 folders each, watched by the OS", orders, payments)
	}
	want := []string{".", "cmd", "cmd/orders", "cmd/payments", "internal", "internal/shared"}
	w.mu.Lock() // w.add is called with it held
	added := adds
	w.mu.Unlock()
	if got := osWatches(t, w, dir); !slices.Equal(got, want) || added != len(want) {
		t.Errorf("OS watches = %q after %d adds, want %q, each added once", got, added, want)
	}

	// A save in a service's own dir reaches it alone.
	writeFile(t, filepath.Join(dir, "cmd", "payments", "main.go"), "v2")
	if c := nextChange(t, w); !reflect.DeepEqual(c, Change{Service: "payments", Trigger: "cmd/payments/main.go", Files: 1}) {
		t.Errorf("change = %+v, want payments' main.go, of payments alone", c)
	}
	expectQuiet(t, w, "after a save in payments' dir")
	control(t, w, "orders", dir, "cmd/orders/main.go")

	// A save in the shared package reaches both, once each.
	writeFile(t, filepath.Join(dir, "internal", "shared", "shared.go"), "v2")
	got := changesOf(t, w, 2)
	for _, name := range []string{"orders", "payments"} {
		if c := got[name]; !reflect.DeepEqual(c, Change{Service: name, Trigger: "internal/shared/shared.go", Files: 1}) {
			t.Errorf("change of %s = %+v, want the shared file", name, c)
		}
	}
	expectQuiet(t, w, "after a save in the shared package")

	// What neither's paths hold reaches neither.
	writeFile(t, filepath.Join(dir, "README"), "v2")
	writeFile(t, filepath.Join(dir, "go.sum"), "v2")
	expectQuiet(t, w, "after saves outside both services' paths")
	control(t, w, "payments", dir, "cmd/payments/main.go")

	// A folder both watch appears: each watches it (one OS watch) and
	// counts the file written with it.
	writeFile(t, filepath.Join(dir, "internal", "shared", "money", "money.go"), "v1")
	got = changesOf(t, w, 2)
	for _, name := range []string{"orders", "payments"} {
		if c := got[name]; c.Trigger != "internal/shared/money/money.go" {
			t.Errorf("change of %s = %+v, want the new folder's file", name, c)
		}
	}
	if got := osWatches(t, w, dir); !slices.Contains(got, "internal/shared/money") || len(got) != len(want)+1 {
		t.Errorf("OS watches = %q, want the new folder once more", got)
	}
	// Removed, it counts for both and its one watch goes.
	if err := os.RemoveAll(filepath.Join(dir, "internal", "shared", "money")); err != nil {
		t.Fatal(err)
	}
	changesOf(t, w, 2)
	if got := osWatches(t, w, dir); !slices.Equal(got, want) {
		t.Errorf("OS watches = %q after the folder went, want %q", got, want)
	}
	for _, name := range []string{"orders", "payments"} {
		if st, _ := w.Status(name); st.Folders != 5 {
			t.Errorf("%s after the folder went: %+v, want 5 folders", name, st)
		}
	}
	expectQuiet(t, w, "after the shared folder went")
	control(t, w, "orders", dir, "cmd/orders/main.go")
	control(t, w, "payments", dir, "cmd/payments/main.go")
}

// Each service of a repo keeps its own ignore rules, setup_when files and
// debounce.
func TestServicesOfOneRepoKeepTheirOwnRules(t *testing.T) {
	t.Parallel()
	w := newWatcher(t, Options{})
	dir := shopRepo(t)
	orders := shopService(dir, "orders")
	orders.Ignore = []string{"*.gen"}
	orders.SetupWhen = []string{"go.sum"}
	payments := shopService(dir, "payments")
	payments.Debounce = 400 * time.Millisecond
	add(t, w, orders)
	add(t, w, payments)

	// Generated code counts for payments alone, which reports after its
	// own debounce.
	start := time.Now()
	writeFile(t, filepath.Join(dir, "internal", "shared", "money.gen"), "v1")
	if c := nextChange(t, w); c.Service != "payments" || c.Trigger != "internal/shared/money.gen" {
		t.Errorf("change = %+v, want the generated file, of payments alone", c)
	}
	if took := time.Since(start); took < payments.Debounce {
		t.Errorf("payments reported after %s, before its debounce of %s", took, payments.Debounce)
	}
	expectQuiet(t, w, "after a file orders ignores")

	// go.sum, outside both services' paths, is orders' setup_when file.
	writeFile(t, filepath.Join(dir, "go.sum"), "v2")
	c := nextChange(t, w)
	if want := (Change{Service: "orders", Trigger: "go.sum", Files: 1, SetupChanged: []string{"go.sum"}}); !reflect.DeepEqual(c, want) {
		t.Errorf("change = %+v, want %+v", c, want)
	}
	expectQuiet(t, w, "after orders' setup_when file changed")
	writeFile(t, filepath.Join(dir, "go.mod"), "v2")
	for name, c := range changesOf(t, w, 2) {
		if !reflect.DeepEqual(c, Change{Service: name, Trigger: "go.mod", Files: 1}) {
			t.Errorf("change of %s = %+v, want go.mod", name, c)
		}
	}
}

func TestDisablingOneServiceOfARepoKeepsTheOthersWatching(t *testing.T) {
	t.Parallel()
	w := newWatcher(t, Options{})
	dir := shopRepo(t)
	add(t, w, shopService(dir, "orders"))
	add(t, w, shopService(dir, "payments"))
	all := []string{".", "cmd", "cmd/orders", "cmd/payments", "internal", "internal/shared"}

	// A burst pending for both: disabling payments drops its own alone.
	writeFile(t, filepath.Join(dir, "internal", "shared", "shared.go"), "v2")
	if err := w.Disable("payments"); err != nil {
		t.Fatal(err)
	}
	if c := nextChange(t, w); c.Service != "orders" || c.Trigger != "internal/shared/shared.go" {
		t.Errorf("change = %+v, want orders' shared file", c)
	}
	// Only payments' own folder lost its OS watch.
	if got, want := osWatches(t, w, dir), []string{".", "cmd", "cmd/orders", "internal", "internal/shared"}; !slices.Equal(got, want) {
		t.Errorf("OS watches with payments off = %q, want %q", got, want)
	}
	if st, _ := w.Status("orders"); !st.Enabled || st.Folders != 5 {
		t.Errorf("orders with payments off: %+v, want watched, 5 folders", st)
	}
	writeFile(t, filepath.Join(dir, "cmd", "payments", "main.go"), "v2")
	expectQuiet(t, w, "after a save of payments, turned off")
	if c := control(t, w, "orders", dir, "internal/shared/shared.go"); c.Files != 1 {
		t.Errorf("control = %+v: payments' turning off counted for orders", c)
	}
	expectQuiet(t, w, "after a shared save with payments off")

	// On again, both get the shared package's saves.
	if st, err := w.Enable("payments"); err != nil || st.Folders != 5 {
		t.Fatalf("Enable = %+v, %v", st, err)
	}
	if got := osWatches(t, w, dir); !slices.Equal(got, all) {
		t.Errorf("OS watches with both on = %q, want %q", got, all)
	}
	writeFile(t, filepath.Join(dir, "internal", "shared", "shared.go"), "v3")
	changesOf(t, w, 2)

	// Removed, orders leaves payments its folders, the shared ones too.
	w.Remove("orders")
	if got, want := osWatches(t, w, dir), []string{".", "cmd", "cmd/payments", "internal", "internal/shared"}; !slices.Equal(got, want) {
		t.Errorf("OS watches without orders = %q, want %q", got, want)
	}
	writeFile(t, filepath.Join(dir, "cmd", "orders", "main.go"), "v3")
	expectQuiet(t, w, "after a save of orders, removed")
	control(t, w, "payments", dir, "internal/shared/shared.go")
	expectQuiet(t, w, "after a shared save with orders removed")
	w.Remove("payments")
	if got := osWatches(t, w, dir); len(got) != 0 {
		t.Errorf("OS watches with nothing watched = %q", got)
	}
}

// A service may watch a folder inside another's repo: a save there
// reaches both, each naming it relative to its own folder.
func TestOverlappingFoldersShareTheirWatches(t *testing.T) {
	t.Parallel()
	w := newWatcher(t, Options{})
	dir := shopRepo(t)
	inner := filepath.Join(dir, "cmd", "payments")
	add(t, w, Service{Name: "shop", Dir: dir})
	if st := add(t, w, Service{Name: "payments", Dir: inner}); st.Folders != 1 {
		t.Errorf("payments = %+v, want its one folder", st)
	}
	all := []string{".", "cmd", "cmd/orders", "cmd/payments", "internal", "internal/shared"}
	if got := osWatches(t, w, dir); !slices.Equal(got, all) {
		t.Errorf("OS watches = %q, want %q", got, all)
	}
	writeFile(t, filepath.Join(inner, "main.go"), "v2")
	got := changesOf(t, w, 2)
	if got["shop"].Trigger != "cmd/payments/main.go" || got["payments"].Trigger != "main.go" {
		t.Errorf("changes = %+v, want cmd/payments/main.go of shop and main.go of payments", got)
	}
	expectQuiet(t, w, "after a save in the inner folder")
	control(t, w, "shop", dir, "README")

	w.Remove("shop")
	if got := osWatches(t, w, dir); !slices.Equal(got, []string{"cmd/payments"}) {
		t.Errorf("OS watches without shop = %q, want payments' folder alone", got)
	}
	control(t, w, "payments", inner, "main.go")
}

func TestPolledServicesOfOneRepoGetTheChangesUnderTheirPaths(t *testing.T) {
	t.Parallel()
	w := newWatcher(t, Options{PollInterval: 100 * time.Millisecond})
	dir := shopRepo(t)
	limitAfter(w, dir, 0)
	for _, name := range []string{"orders", "payments"} {
		s := shopService(dir, name)
		// Longer than a pass: a pass that sees a save half written and
		// the next that sees the rest make one change.
		s.Debounce = 300 * time.Millisecond
		if st := add(t, w, s); !st.Polling {
			t.Fatalf("%s = %+v, want polled", name, st)
		}
	}
	writeFile(t, filepath.Join(dir, "cmd", "payments", "main.go"), "v2")
	if c := nextChange(t, w); c.Service != "payments" || c.Trigger != "cmd/payments/main.go" || !c.Polling {
		t.Errorf("change = %+v, want payments' main.go, polled", c)
	}
	expectQuiet(t, w, "after a polled save in payments' dir")
	writeFile(t, filepath.Join(dir, "internal", "shared", "shared.go"), "v2")
	for name, c := range changesOf(t, w, 2) {
		if c.Trigger != "internal/shared/shared.go" || !c.Polling {
			t.Errorf("change of %s = %+v, want the shared file, polled", name, c)
		}
	}
	// Turned off, payments is no longer polled; orders still is.
	if err := w.Disable("payments"); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "cmd", "payments", "main.go"), "v3")
	expectQuiet(t, w, "after a save of payments, turned off")
	control(t, w, "orders", dir, "internal/shared/shared.go")
	expectQuiet(t, w, "after a polled shared save with payments off")
}

// One walk scans several trees of a repo, each as a scan of its own
// would, its bound its own: a wide tree past the bound does not cut a
// narrow one short.
func TestScanTreesIsEachTreesOwnScan(t *testing.T) {
	t.Parallel()
	dir := shopRepo(t)
	writeFile(t, filepath.Join(dir, ".gitignore"), "*.gen\n")
	for _, f := range []string{"a/1.go", "a/2.go", "b/3.go", "internal/shared/x.gen", "zz/4.go"} {
		writeFile(t, filepath.Join(dir, f), "v1")
	}
	trees := func() []*tree {
		rules := func() *rules { return newRules(dir, nil, nil, nil) }
		return []*tree{
			{dir: dir, paths: []string{"cmd/payments", "internal/shared", "zz"}, rules: rules()},
			{dir: dir, rules: rules()},
			{dir: dir, paths: []string{"cmd/orders"}, pinned: []string{"go.sum"}, rules: rules()},
		}
	}
	for _, max := range []int{10, DefaultPollMaxFiles} {
		together := scanTrees(trees(), max)
		for i, tr := range trees() {
			alone := scan(tr, max)
			if !reflect.DeepEqual(together[i], alone) {
				t.Errorf("max %d, tree %d: scanned with the others %+v, alone %+v", max, i, together[i], alone)
			}
		}
		if max == 10 && (!together[1].truncated || together[0].truncated) {
			t.Errorf("max 10: truncated %v, %v; want the whole repo cut short, the narrow tree not", together[0].truncated, together[1].truncated)
		}
	}
}
