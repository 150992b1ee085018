package cli

import (
	"os"
	"path/filepath"

	"github.com/crispify/crispify/internal/manifest"
)

// repoStatusRows says of every service repo whether it is on disk.
func repoStatusRows(m *manifest.Manifest) []StatusRow {
	var rows []StatusRow
	for _, name := range m.ServiceNames() {
		s := m.Services[name]
		row := StatusRow{Kind: "repo", Name: name, State: "cloned", Detail: s.Dir}
		if _, err := os.Stat(filepath.Join(s.Dir, ".git")); err != nil {
			row.State, row.Detail = "missing", "run `crispify repos`"
		}
		rows = append(rows, row)
	}
	return rows
}
