package stack

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/crispify/crispify/internal/manifest"
	"github.com/crispify/crispify/internal/workers"
)

// files are the runtime files of one project's supervisor in its
// workspace's state folder. They are named after the project, so that two
// manifests sharing a workspace (two projects) keep two supervisors that
// never stop or report each other.
type files struct {
	dir     string // <workspace>/.crispify
	project string
}

func filesOf(m *manifest.Manifest) files {
	return files{dir: m.StateDir(), project: m.Project}
}

// socket is the supervisor's socket: in the state folder when its path
// fits a unix socket's address, else, named after a hash of that path, in
// the user's runtime folder (shortSocketDir), where client and server find
// it alike.
func (f files) socket() string {
	p := filepath.Join(f.dir, "supervisor-"+f.project+".sock")
	if len(p) <= maxSocketPath {
		return p
	}
	sum := sha256.Sum256([]byte(p))
	return filepath.Join(shortSocketDir(), hex.EncodeToString(sum[:8])+".sock")
}

// shortSocketDir is a folder of this user's for sockets whose own path is
// too long: $XDG_RUNTIME_DIR/crispify, else crispify-<uid> in the temporary
// folder.
func shortSocketDir() string {
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		return filepath.Join(d, "crispify")
	}
	return filepath.Join(os.TempDir(), fmt.Sprintf("crispify-%d", os.Getuid()))
}
func (f files) pid() string { return filepath.Join(f.dir, "supervisor-"+f.project+".pid") }

// lock is held by the supervisor for as long as it runs: while it is held
// the socket and pid file are live, and only its holder may remove them.
func (f files) lock() string { return filepath.Join(f.dir, "supervisor-"+f.project+".lock") }

// workers is the state file of the project's worker processes.
func (f files) workers() string { return workers.StatePath(f.dir, f.project) }

// supervisorLog is the supervisor's own log, when it runs detached.
func (f files) supervisorLog() string {
	return filepath.Join(f.dir, "logs", "supervisor-"+f.project+".log")
}

// maxSocketPath is the shortest sun_path limit (macOS: 104 bytes).
const maxSocketPath = 103

// checkSocketPath makes the socket's folder ready, and refuses a runtime
// folder that another user could have made or can write to.
func (f files) checkSocketPath() error {
	sock := f.socket()
	if n := len(sock); n > maxSocketPath {
		return fmt.Errorf("serve %s: the path is %d bytes, more than a unix socket allows (%d): set TMPDIR or XDG_RUNTIME_DIR to a shorter folder", sock, n, maxSocketPath)
	}
	dir := filepath.Dir(sock)
	if dir == f.dir {
		return nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("serve %s: %w", sock, err)
	}
	return ownPrivateDir(dir)
}

func (f files) writePID() error {
	if err := os.MkdirAll(f.dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(f.pid(), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644)
}

func (f files) readPID() (int, bool) {
	b, err := os.ReadFile(f.pid())
	if err != nil {
		return 0, false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	return pid, err == nil && pid > 0
}

// removeLive removes the socket and pid file; only the lock's holder calls it.
func (f files) removeLive() {
	os.Remove(f.socket())
	os.Remove(f.pid())
}
