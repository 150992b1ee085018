package repos

import (
	"fmt"
	"os"
	"os/exec"
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

// BenchmarkUntracked40 is what counting untracked files costs a read of
// the stack's 40 repos (80 files each, settled, a committed .gitignore of
// the usual kind): "clean" has nothing untracked, "untracked" has in each
// repo 5 new files and a node_modules of 2,000 files in 100 packages that
// .gitignore ignores, which the count must never go into. reader is a
// StateReader that read them before, as a live stack's; git-status is
// `git status --untracked-files=normal`, which counts them as crispify
// does. scripts/bench.sh untracked runs it.
func BenchmarkUntracked40(b *testing.B) {
	f := newFixture(b)
	first := f.add(b, "svc00", benchShape)
	commitTo(b, first, "master", "ignore", map[string]string{".gitignore": "node_modules/\ndist/\ncoverage/\n*.log\n.env\n.DS_Store\n"})
	specs := []Spec{f.spec(b, "file", "svc00")}
	for i := 1; i < 40; i++ {
		name := fmt.Sprintf("svc%02d", i)
		f.add(b, name, benchShape) // a copy of the first, .gitignore and all
		specs = append(specs, f.spec(b, "file", name))
	}
	syncAllOK(b, specs, Options{}, "cloned")
	time.Sleep(50 * time.Millisecond) // a tick of the clock after the files
	for _, s := range specs {
		git(b, s.Dir, "update-index", "-q", "--refresh")
	}
	kept := NewStateReader()
	readers := []struct {
		name string
		read func(dir string) error
	}{
		{"reader", func(dir string) error { _, err := kept.Read(b.Context(), dir, "master"); return err }},
		{"git-status", func(dir string) error {
			cmd := exec.CommandContext(b.Context(), "git", "-C", dir, "status", "--porcelain=v2", "--branch", "-z", "--untracked-files=normal")
			cmd.Env = append(os.Environ(), "GIT_OPTIONAL_LOCKS=0") // as crispify runs it: the index is not rewritten
			return cmd.Run()
		}},
	}
	for _, state := range []string{"clean", "untracked"} {
		if state == "untracked" {
			for _, s := range specs {
				for _, p := range []string{"TODO.md", "src/dir1/new.go", "src/dir2/new_test.go", "src/dir3/notes.txt", "config.local.json"} {
					writeBench(b, filepath.Join(s.Dir, p))
				}
				for pkg := range 100 {
					for file := range 20 {
						writeBench(b, filepath.Join(s.Dir, "node_modules", fmt.Sprintf("pkg%03d", pkg), "lib", fmt.Sprintf("f%02d.js", file)))
					}
				}
			}
		}
		for _, r := range readers {
			b.Run(state+"/"+r.name, func(b *testing.B) {
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

func writeBench(b *testing.B, file string) {
	b.Helper()
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(file, []byte("x\n"), 0o644); err != nil {
		b.Fatal(err)
	}
}
