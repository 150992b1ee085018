//go:build unix

package watch

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"syscall"
	"testing"
	"time"
)

// The benchmarks of BENCHMARKS.md's Watch section (scripts/bench-watch.sh):
// one watcher over 40 repos of 500 files each, as a stack of 40 services
// would have.
const (
	benchRepos    = 40
	benchFiles    = 500 // per repo, in 25 folders of 20
	benchDepFiles = 200 // per repo, in node_modules: ignored, never watched
)

// benchStack makes the 40 repos (each with a .gitignore, a .git and an
// ignored node_modules) and a watcher over them, returning it, the repos'
// folders, and a report of the time Add took and the OS watches it took,
// to call once the benchmark's loop is done (b.Loop resets metrics).
func benchStack(b *testing.B, opts Options) (*Watcher, []string, func()) {
	b.Helper()
	root := b.TempDir()
	var dirs []string
	for r := range benchRepos {
		dir := filepath.Join(root, fmt.Sprintf("svc%02d", r))
		for i := range benchFiles {
			benchWrite(b, filepath.Join(dir, "src", fmt.Sprintf("pkg%02d", i/20), fmt.Sprintf("file%03d.go", i)))
		}
		for i := range benchDepFiles {
			benchWrite(b, filepath.Join(dir, "node_modules", fmt.Sprintf("dep%02d", i/20), "index.js"))
		}
		benchWrite(b, filepath.Join(dir, ".gitignore"))
		benchWrite(b, filepath.Join(dir, ".git", "HEAD"))
		dirs = append(dirs, dir)
	}
	if opts.Home == "" {
		opts.Home = b.TempDir()
	}
	w, err := New(opts)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { w.Close() })
	start := time.Now()
	folders := 0
	for i, dir := range dirs {
		st, err := w.Add(Service{Name: fmt.Sprintf("svc%02d", i), Dir: dir})
		if err != nil {
			b.Fatal(err)
		}
		if st.Polling {
			b.Fatalf("svc%02d is polled: %v", i, st.Problem)
		}
		folders += st.Folders
	}
	took := time.Since(start)
	report := func() {
		b.ReportMetric(float64(took.Microseconds())/1000, "ms-to-add-40")
		b.ReportMetric(float64(folders), "os-watches")
	}
	return w, dirs, report
}

func benchWrite(b *testing.B, name string) {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(name, []byte("package x\n"), 0o644); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkIdleCPU reports the CPU the whole process spends, in percent of
// one core, while the watcher watches 40 idle repos for
// $CRISPIFY_BENCH_IDLE (default 30s). Run it with -benchtime=1x.
func BenchmarkIdleCPU(b *testing.B) {
	idle := 30 * time.Second
	if v := os.Getenv("CRISPIFY_BENCH_IDLE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			b.Fatalf("CRISPIFY_BENCH_IDLE=%q: %v", v, err)
		}
		idle = d
	}
	_, _, report := benchStack(b, Options{})
	for b.Loop() {
		before := cpuTime(b)
		start := time.Now()
		time.Sleep(idle)
		used := cpuTime(b) - before
		b.ReportMetric(100*used.Seconds()/time.Since(start).Seconds(), "%-of-a-core")
	}
	report()
}

// BenchmarkWriteToChange reports how long a save in one of the 40 repos
// takes to come out of Changes, the debounce left out: the median and the
// slowest of b.N saves, each in another repo, one at a time.
func BenchmarkWriteToChange(b *testing.B) {
	w, dirs, report := benchStack(b, Options{})
	var lat []time.Duration
	i := 0
	for b.Loop() {
		dir := dirs[i%len(dirs)]
		name := filepath.Join(dir, "src", "pkg07", "file140.go")
		start := time.Now()
		if err := os.WriteFile(name, []byte(fmt.Sprintf("package x // %d\n", i)), 0o644); err != nil {
			b.Fatal(err)
		}
		select {
		case c := <-w.Changes():
			if c.Service != fmt.Sprintf("svc%02d", i%len(dirs)) || c.Files != 1 {
				b.Fatalf("change %+v for a save in %s", c, dir)
			}
		case <-time.After(10 * time.Second):
			b.Fatal("no change within 10s")
		}
		lat = append(lat, time.Since(start)-DefaultDebounce)
		i++
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "ms-median")
	b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "ms-max")
	report()
}

// cpuTime is the user and system CPU this process has used.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
