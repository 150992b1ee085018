package repos

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/crispify/crispify/internal/lockfile"
)

// A clone in progress is a folder .<name>.crispify-clone-<random> beside
// its target, owned by whoever holds the lock file of the same name with
// .lock added. The lock is taken before the folder exists and let go after
// it is gone (renamed into place or removed), and the kernel lets go of it
// when its owner dies, so that a leftover is a folder whose lock nobody
// holds: two runs at once never remove each other's clone.

// tempPrefix names the temporary folders of clones into base: hidden, and
// recognisable as crispify's by the next run.
func tempPrefix(base string) string { return "." + base + ".crispify-clone-" }

// stagingSuffix marks a lock file being made (created, then locked, then
// renamed to its name): not a leftover until it is old.
const stagingSuffix = ".lock-"

// staleStaging is how old a lock file being made must be to be a leftover.
const staleStaging = 10 * time.Minute

// tempClone is a clone's temporary folder and the lock that owns it.
type tempClone struct {
	dir  string
	lock *os.File
}

// makeTempClone makes an empty folder for a clone into parent/base,
// created with mode 0777 less the umask, as git clone makes its folders.
func makeTempClone(parent, base string) (*tempClone, error) {
	for range 10 {
		var b [6]byte
		rand.Read(b[:])
		dir := filepath.Join(parent, tempPrefix(base)+hex.EncodeToString(b[:]))
		lock, err := os.CreateTemp(parent, filepath.Base(dir)+stagingSuffix+"*")
		if err != nil {
			return nil, err
		}
		staging := lock.Name()
		if err := lockfile.TryLockFile(lock); err != nil {
			lock.Close()
			os.Remove(staging)
			return nil, fmt.Errorf("lock %s: %w", staging, err)
		}
		// Renamed once locked: a lock file under its name is always held
		// while its folder may exist.
		if err := os.Rename(staging, dir+".lock"); err != nil {
			lock.Close()
			os.Remove(staging)
			continue // another run removed it meanwhile: try another name
		}
		if err := os.Mkdir(dir, 0o777); err != nil {
			lock.Close()
			os.Remove(dir + ".lock")
			if errors.Is(err, fs.ErrExist) {
				continue
			}
			return nil, err
		}
		return &tempClone{dir: dir, lock: lock}, nil
	}
	return nil, fmt.Errorf("make a temporary folder for the clone in %s: no free name", parent)
}

// release removes the folder unless placed, then lets go of the lock.
func (c *tempClone) release(placed bool) {
	if !placed {
		removeAll(c.dir)
	}
	os.Remove(c.dir + ".lock")
	c.lock.Close()
}

// removeLeftovers removes what earlier runs, killed while they cloned into
// base, left behind, and nothing of a clone in progress.
func removeLeftovers(parent, base string) {
	entries, err := os.ReadDir(parent)
	if err != nil {
		return
	}
	prefix := tempPrefix(base)
	for _, e := range entries {
		name := e.Name()
		path := filepath.Join(parent, name)
		switch {
		case !strings.HasPrefix(name, prefix):
		case strings.Contains(name, stagingSuffix):
			if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > staleStaging && !held(path) {
				os.Remove(path)
			}
		case strings.HasSuffix(name, ".lock"):
			if _, err := os.Lstat(strings.TrimSuffix(path, ".lock")); errors.Is(err, fs.ErrNotExist) && !held(path) {
				os.Remove(path)
			}
		case e.IsDir() && !held(path+".lock"):
			removeAll(path)
			os.Remove(path + ".lock")
		}
	}
}

// held reports whether a live process holds the lock file at path.
func held(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false // no lock file: a leftover of a crispify without them
	}
	defer f.Close()
	return errors.Is(lockfile.TryLockFile(f), lockfile.ErrLocked)
}
