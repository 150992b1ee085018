package ssh

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/crispify/crispify/internal/workers"
)

// The tunnels' state is kept in <workspace>/.crispify/tunnels.json by the
// process that owns them, so that `crispify status`, another process, can
// say whether each infra is reachable from here.

const tunnelStateName = "tunnels.json"

type tunnelStateFile struct {
	path, endpoint string
	mu             sync.Mutex
}

type tunnelStateDoc struct {
	PID      int           `json:"pid"` // the owner, crispify's supervisor
	Endpoint string        `json:"endpoint"`
	Tunnels  []TunnelState `json:"tunnels"`
}

func newTunnelStateFile(stateDir, endpoint string) *tunnelStateFile {
	if stateDir == "" {
		return nil
	}
	return &tunnelStateFile{path: filepath.Join(stateDir, tunnelStateName), endpoint: endpoint}
}

// write replaces the file whole (a rename), best effort: losing it only
// makes status say less.
func (f *tunnelStateFile) write(states []TunnelState) {
	if f == nil {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	data, err := json.MarshalIndent(tunnelStateDoc{PID: os.Getpid(), Endpoint: f.endpoint, Tunnels: states}, "", "  ")
	if err != nil || os.MkdirAll(filepath.Dir(f.path), 0o755) != nil {
		return
	}
	tmp := f.path + ".tmp"
	if os.WriteFile(tmp, data, 0o644) == nil {
		_ = os.Rename(tmp, f.path)
	}
}

func (f *tunnelStateFile) remove() error {
	if f == nil {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := os.Remove(f.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// ReadStates returns the tunnels of the stack that runs in this
// workspace against endpoint, by infra name; nil when none runs there.
func ReadStates(stateDir, endpoint string) map[string]TunnelState {
	data, err := os.ReadFile(filepath.Join(stateDir, tunnelStateName))
	if err != nil {
		return nil
	}
	var doc tunnelStateDoc
	if json.Unmarshal(data, &doc) != nil || doc.Endpoint != endpoint || !workers.ProcessAlive(doc.PID) {
		return nil // another engine's, or its owner died: nothing forwards
	}
	out := map[string]TunnelState{}
	for _, s := range doc.Tunnels {
		out[s.Infra] = s
	}
	return out
}
