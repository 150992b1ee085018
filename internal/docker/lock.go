package docker

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/lockfile"
)

// Lock takes this machine's lock on the project's infrastructure and holds
// it until Unlock, so that two crispify processes (two terminals, a script
// and a person) never create or remove its network and containers at the
// same moment: an engine before API 1.44 lets both create a network of one
// name, and then neither can attach to it. While another process holds the
// lock, the infra this run wants are reported waiting. The operating system
// drops the lock when its holder dies.
func (p *Project) Lock(ctx context.Context, names []string) error {
	p.lockMu.Lock()
	defer p.lockMu.Unlock()
	if p.unlock != nil {
		return nil // held already: a second file lock would wait on the first
	}
	path := lockPath(p.Manifest.Project)
	release, err := lockfile.Wait(ctx, path, func() {
		for _, name := range names {
			p.emit(event.Event{Kind: event.Infra, Name: name, Phase: event.Waiting,
				Msg: "another crispify is bringing project " + p.Manifest.Project + " up or down: waiting for it"})
		}
	})
	if err != nil {
		return fmt.Errorf("lock the infra of project %s: %w", p.Manifest.Project, err)
	}
	p.unlock = release
	return nil
}

// Unlock lets go of the lock taken by Lock, if it is held.
func (p *Project) Unlock() {
	p.lockMu.Lock()
	defer p.lockMu.Unlock()
	if p.unlock != nil {
		p.unlock()
		p.unlock = nil
	}
}

// RemoveLock deletes the project's lock file while Lock holds it, so that
// a teardown leaves nothing of the project in the user's cache; Unlock
// still lets go of the lock. Without the lock held it does nothing: the
// file may be another run's.
func (p *Project) RemoveLock() error {
	p.lockMu.Lock()
	defer p.lockMu.Unlock()
	if p.unlock == nil {
		return nil
	}
	return lockfile.Remove(lockPath(p.Manifest.Project))
}

// lockPath is the project's lock file: per user, beside crispify's cache.
func lockPath(project string) string {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "crispify", "locks", project+".lock")
}
