package manifest

import "path/filepath"

// StateDir is where crispify keeps its state for this workspace:
// supervisor.pid, supervisor.sock, logs/, setup/ (DESIGN.md).
func (m *Manifest) StateDir() string { return filepath.Join(m.WorkspaceDir, ".crispify") }
