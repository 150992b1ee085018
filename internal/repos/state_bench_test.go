package repos

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The cost of reading the git state of every repo of the stack, which a
// live stack redoes when something changes: 40 clones of 80 files, read in
// process (once, and by a StateReader that read them before, as a live
// stack does), against the git command and go-git's Worktree.Status.
// scripts/bench-gitstate.sh runs them.
//
// "fresh" is right after the clone, when every file was written in the
// same tick of the file system's clock as the index, so git itself must
// read them all to be sure (racily clean); "settled" is after git has
// refreshed the index, as the user's first git status does; "dirty" has a
// changed file in every repo.

func BenchmarkReadState40(b *testing.B) {
	_, specs := benchRepos(b)
	syncAllOK(b, specs, Options{}, "cloned")
	kept := NewStateReader()
	readers := []struct {
		name string
		read func(dir string) error
	}{
		{"in-process", func(dir string) error { _, err := ReadState(b.Context(), dir, "master"); return err }},
		{"reader", func(dir string) error { _, err := kept.Read(b.Context(), dir, "master"); return err }},
		{"git-status", func(dir string) error { _, err := readStateCLI(b.Context(), dir, "master"); return err }},
		{"go-git-status", func(dir string) error { _, err := NewGoGit().Inspect(b.Context(), dir); return err }},
	}
	for _, state := range []string{"fresh", "settled", "dirty"} {
		switch state {
		case "settled":
			time.Sleep(50 * time.Millisecond) // a tick of the clock after the files
			for _, s := range specs {
				git(b, s.Dir, "update-index", "-q", "--refresh")
			}
		case "dirty":
			for _, s := range specs {
				if err := os.WriteFile(filepath.Join(s.Dir, filePath(5)), []byte("changed\n"), 0o644); err != nil {
					b.Fatal(err)
				}
			}
		}
		for _, r := range readers {
			b.Run(r.name+"/"+state, func(b *testing.B) {
				began := cpuTime()
				for b.Loop() {
					for _, s := range specs {
						if err := r.read(s.Dir); err != nil {
							b.Fatal(err)
						}
					}
				}
				reportCPU(b, began)
			})
		}
	}
}

// BenchmarkReadStateBigTree reads one settled repo of 20,000 files, where
// go-git's Worktree.Status hashes every file and git status stats them.
func BenchmarkReadStateBigTree(b *testing.B) {
	f := newFixture(b)
	f.add(b, "big", repoShape{files: 20_000, commits: 2})
	spec := f.spec(b, "file", "big")
	syncAllOK(b, []Spec{spec}, Options{}, "cloned")
	time.Sleep(50 * time.Millisecond)
	git(b, spec.Dir, "update-index", "-q", "--refresh")
	kept := NewStateReader()
	for name, read := range map[string]func() error{
		"reader":        func() error { _, err := kept.Read(b.Context(), spec.Dir, "master"); return err },
		"git-status":    func() error { _, err := readStateCLI(b.Context(), spec.Dir, "master"); return err },
		"go-git-status": func() error { _, err := NewGoGit().Inspect(b.Context(), spec.Dir); return err },
	} {
		b.Run(name, func(b *testing.B) {
			began := cpuTime()
			for b.Loop() {
				if err := read(); err != nil {
					b.Fatal(err)
				}
			}
			reportCPU(b, began)
		})
	}
}

// reportCPU reports the CPU (this process's and git's) per operation since
// began: on a shared machine a truer cost than the wall clock.
func reportCPU(b *testing.B, began time.Duration) {
	b.ReportMetric(float64((cpuTime()-began).Microseconds())/1000/float64(b.N), "cpu-ms/op")
}
