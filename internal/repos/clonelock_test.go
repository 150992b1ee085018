package repos

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/lockfile"
)

// gatedClone clones with the git command, then waits for release before it
// returns, so that a test can run another clone of the same repo meanwhile.
type gatedClone struct {
	Backend
	cloned  chan struct{}
	release chan struct{}
}

func (g gatedClone) Clone(ctx context.Context, dir string, r Remote, progress func(string)) error {
	err := g.Backend.Clone(ctx, dir, r, progress)
	close(g.cloned)
	<-g.release
	return err
}

// Two runs cloning the same repo at once (two `crispify repos`, or one
// during a boot): neither removes the other's clone in progress, and the
// one that finds the repo placed meanwhile says so.
func TestTwoRunsCloningAtOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.add(t, "api", small)
	spec := f.spec(t, "file", "api")
	gated := gatedClone{Backend: NewCLI(), cloned: make(chan struct{}), release: make(chan struct{})}
	first := make(chan Result, 1)
	go func() { first <- SyncOne(background(t), spec, Options{Backend: gated}, nil) }()
	<-gated.cloned

	if r := SyncOne(background(t), spec, Options{Backend: NewCLI()}, nil); r.Phase != event.Cloned {
		t.Fatalf("the second run: %+v", r)
	}
	close(gated.release)
	r := <-first
	if r.Phase != event.Unchanged || !strings.Contains(r.Reason, "cloned meanwhile") {
		t.Errorf("the first run, whose clone the second placed first: %+v, want unchanged, cloned meanwhile", r)
	}
	checkClone(t, spec)
	if l := leftovers(t, f.ws); len(l) > 0 {
		t.Errorf("temporary folders left: %v", l)
	}
}

// A leftover is removed only when its owner is gone: one whose lock is held
// belongs to a clone in progress.
func TestLeftoversOfALiveCloneAreKept(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.add(t, "api", small)
	spec := f.spec(t, "file", "api")
	live := filepath.Join(f.ws, tempPrefix("api")+"live")
	dead := filepath.Join(f.ws, tempPrefix("api")+"dead")
	for _, d := range []string{live, dead} {
		if err := os.MkdirAll(filepath.Join(d, ".git"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	release, err := lockfile.TryLock(live + ".lock")
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	os.WriteFile(dead+".lock", nil, 0o644) // its owner died holding it: the kernel let go
	if r := SyncOne(background(t), spec, Options{Backend: NewCLI()}, nil); r.Phase != event.Cloned {
		t.Fatalf("clone: %+v", r)
	}
	if _, err := os.Stat(live); err != nil {
		t.Errorf("the clone in progress of another run was removed: %v", err)
	}
	for _, p := range []string{dead, dead + ".lock"} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s of a dead run is left: %v", p, err)
		}
	}
}

// A clone is readable by others as git clone makes it: the umask applies,
// not the 0700 of a temporary folder.
func TestCloneGetsTheUmask(t *testing.T) {
	t.Parallel()
	ref := filepath.Join(t.TempDir(), "ref")
	if err := os.Mkdir(ref, 0o777); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(ref)
	want := fi.Mode().Perm()
	forEachBackend(t, func(t *testing.T, b Backend) {
		f := newFixture(t)
		f.add(t, "api", small)
		spec := f.spec(t, "file", "api")
		if r := SyncOne(background(t), spec, Options{Backend: b}, nil); r.Phase != event.Cloned {
			t.Fatalf("clone: %+v", r)
		}
		fi, err := os.Stat(spec.Dir)
		if err != nil || fi.Mode().Perm() != want {
			t.Errorf("clone's folder: %v, %v; want %v, as the umask gives", fi.Mode().Perm(), err, want)
		}
	})
}
