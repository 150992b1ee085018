package manifest

import "path/filepath"

// StateDir is where crispify keeps its state for this workspace:
// each project's supervisor-<project>.pid, .sock and .lock, logs/,
// setup/ (docs/design.md; docs/decisions.md says why the names carry the
// project).
func (m *Manifest) StateDir() string { return filepath.Join(m.WorkspaceDir, ".crispify") }
