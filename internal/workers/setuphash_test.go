//go:build unix

package workers

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/manifest"
)

// A setup_when entry that is no regular file inside the repo is refused at
// once, with what it is: a FIFO or /dev/zero was hashed for ever, at full
// CPU, and the first Ctrl-C was ignored.
func TestSetupWhenOnlyRegularFilesInsideTheRepo(t *testing.T) {
	t.Parallel()
	outside := filepath.Join(t.TempDir(), "elsewhere.json")
	os.WriteFile(outside, []byte("{}"), 0o644)
	for _, c := range []struct {
		name    string
		make    func(t *testing.T, repo string) // makes package-lock.json
		want    string
		outside bool
	}{
		{"fifo", func(t *testing.T, repo string) {
			if err := syscall.Mkfifo(filepath.Join(repo, "package-lock.json"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, "a FIFO (named pipe)", false},
		{"symlink to /dev/zero", func(t *testing.T, repo string) {
			os.Symlink("/dev/zero", filepath.Join(repo, "package-lock.json"))
		}, "/dev/zero", true},
		{"symlink out of the repo", func(t *testing.T, repo string) {
			os.Symlink(outside, filepath.Join(repo, "package-lock.json"))
		}, outside, true},
		{"a folder", func(t *testing.T, repo string) {
			os.Mkdir(filepath.Join(repo, "package-lock.json"), 0o755)
		}, "a folder", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			stateDir, repo := t.TempDir(), t.TempDir()
			c.make(t, repo)
			s := Setup{Name: "api", Dir: repo, Commands: []string{"echo run >> runs.txt"}, When: []string{"package-lock.json"}}
			start := time.Now()
			rec := &recorder{}
			_, err := RunSetup(ctxFor(t, 10*time.Second), stateDir, s, rec)
			if took := time.Since(start); took > time.Second {
				t.Errorf("refusing it took %v", took)
			}
			var f *Failure
			if !errors.As(err, &f) || !strings.Contains(f.Error(), c.want) || !strings.Contains(f.Error(), "package-lock.json") {
				t.Fatalf("err = %v, want a failure naming the file and %q", err, c.want)
			}
			if c.outside != errors.Is(err, manifest.ErrOutsideRepo) {
				t.Errorf("outside the repo: %v, want %v", errors.Is(err, manifest.ErrOutsideRepo), c.outside)
			}
			if runs(t, s) != 0 {
				t.Error("setup ran")
			}
			rec.waitFor(t, time.Second, "failed", phase("api", event.Failed))
		})
	}
}

// A symlink inside the repo is followed: its target's content counts.
func TestSetupWhenFollowsASymlinkInsideTheRepo(t *testing.T) {
	t.Parallel()
	repo := t.TempDir()
	os.WriteFile(filepath.Join(repo, "real.json"), []byte("1"), 0o644)
	os.Symlink("real.json", filepath.Join(repo, "package-lock.json"))
	s := Setup{Name: "api", Dir: repo, Commands: []string{"true"}, When: []string{"package-lock.json"}}
	before, err := setupHash(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(repo, "real.json"), []byte("2"), 0o644)
	after, err := setupHash(context.Background(), s)
	if err != nil || after.sum == before.sum {
		t.Errorf("the target changed, the hash did not (%v)", err)
	}
}

// Hashing is bounded: a file past the cap is refused, and a cancelled
// context ends it.
func TestSetupWhenHashIsBoundedAndCancellable(t *testing.T) {
	t.Parallel()
	repo := t.TempDir()
	big := filepath.Join(repo, "big.bin")
	f, _ := os.Create(big)
	f.Truncate(maxWhenFile + 1)
	f.Close()
	s := Setup{Name: "api", Dir: repo, Commands: []string{"true"}, When: []string{"big.bin"}}
	if _, err := setupHash(context.Background(), s); err == nil || !strings.Contains(err.Error(), "MB") {
		t.Errorf("a file over the cap: %v", err)
	}
	os.Truncate(big, maxWhenFile)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := setupHash(ctx, s); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}
