package cli

import (
	"context"
	"os"
	"path/filepath"

	"github.com/crispify/crispify/internal/manifest"
	"github.com/crispify/crispify/internal/repos"
)

// repoStatusRows says of every service repo whether it is on disk and, when
// it is, its git state: branch, commits ahead of or behind its upstream,
// changes not committed, and whether it is on the manifest's branch. The
// state is shown, never judged: it has no part in the exit code.
func repoStatusRows(m *manifest.Manifest) []StatusRow {
	// Read in process, and without a network: quick enough not to need
	// the command's context (40 repos take a few milliseconds).
	ctx := context.Background()
	var rows []StatusRow
	for _, name := range m.ServiceNames() {
		s := m.Services[name]
		row := StatusRow{Kind: "repo", Name: name, State: "cloned", Detail: s.Dir}
		if _, err := os.Stat(filepath.Join(s.Dir, ".git")); err != nil {
			row.State, row.Detail = "missing", "run `crispify repos`"
			rows = append(rows, row)
			continue
		}
		st, err := repos.ReadState(ctx, s.Dir, s.Branch)
		if err != nil {
			row.Detail = joinNonEmpty(s.Dir, "git state unknown: "+err.Error())
		} else {
			row.Git = &st
			row.Detail = joinNonEmpty(st.String(), s.Dir)
		}
		rows = append(rows, row)
	}
	return rows
}
