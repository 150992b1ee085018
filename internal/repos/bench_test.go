package repos

import (
	"fmt"
	"os"
	"os/exec"
	"testing"

	"golang.org/x/sync/errgroup"

	"github.com/crispify/crispify/internal/event"
)

// The benchmarks of the issue: 40 repos of 80 files and 40 commits, over
// file://. scripts/bench-repos.sh runs the same comparison from a shell,
// against plain git.

var benchShape = repoShape{files: 80, commits: 40}

// benchRepos makes the 40 bare repos and returns their specs, cloning into
// a workspace of its own.
func benchRepos(b *testing.B) (*fixture, []Spec) {
	b.Helper()
	f := newFixture(b)
	var specs []Spec
	for i := range 40 {
		name := fmt.Sprintf("svc%02d", i)
		f.add(b, name, benchShape)
		specs = append(specs, f.spec(b, "file", name))
	}
	return f, specs
}

// syncAllOK runs Sync and fails the benchmark on any failure.
func syncAllOK(b *testing.B, specs []Spec, opts Options, want event.Phase) {
	b.Helper()
	for _, r := range Sync(b.Context(), specs, opts, nil) {
		if r.Phase != want {
			b.Fatalf("%s: %s %s %v", r.Name, r.Phase, r.Reason, r.Err)
		}
	}
}

func BenchmarkClone40(b *testing.B) {
	f, specs := benchRepos(b)
	for _, backend := range backends() {
		b.Run(backend.Name(), func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				if err := os.RemoveAll(f.ws); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				syncAllOK(b, specs, Options{Backend: backend}, event.Cloned)
			}
		})
	}
	// The yardstick of the issue: xargs -P8 git clone.
	b.Run("git-clone-P8", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			if err := os.RemoveAll(f.ws); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			var g errgroup.Group
			g.SetLimit(8)
			for _, s := range specs {
				g.Go(func() error {
					return exec.Command("git", "clone", "-q", s.URL, s.Dir).Run()
				})
			}
			if err := g.Wait(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkNoop40(b *testing.B) {
	_, specs := benchRepos(b)
	syncAllOK(b, specs, Options{}, event.Cloned)
	for b.Loop() {
		syncAllOK(b, specs, Options{}, event.Unchanged)
	}
}

func BenchmarkUpdate40Unchanged(b *testing.B) {
	f, specs := benchRepos(b)
	for _, backend := range backends() {
		b.Run(backend.Name(), func(b *testing.B) {
			if err := os.RemoveAll(f.ws); err != nil {
				b.Fatal(err)
			}
			syncAllOK(b, specs, Options{Backend: backend}, event.Cloned)
			for b.Loop() {
				syncAllOK(b, specs, Options{Backend: backend, Update: true}, event.Unchanged)
			}
		})
	}
}
