package stack

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/crispify/crispify/internal/manifest"
)

// branches is where a switch left the stack (docs/design.md, "Data
// belongs to a branch"): the branch each clone was moved to, the data
// branch the infra runs on, and the same before the last switch, which
// `crispify switch -` goes back to. It lives in the state folder
// (switch.json) so that it outlives the supervisor.
type branches struct {
	// Branch is the branch asked for by the last switch; "" before any.
	Branch string `json:"branch,omitempty"`
	// Data is the data branch the infra runs on; "" is the default one
	// (the volumes' names of a stack that never switched).
	Data string `json:"data,omitempty"`
	// Clones is, by clone name, the branch the switch checked out.
	Clones map[string]string `json:"clones,omitempty"`
	// Before is the same as it was before the last switch.
	Before *branches `json:"before,omitempty"`
}

const branchesFile = "switch.json"

// readBranches reads where the last switch left the stack in the state
// folder dir; none yet is the zero value.
func readBranches(dir string) (branches, error) {
	var b branches
	data, err := os.ReadFile(filepath.Join(dir, branchesFile))
	if errors.Is(err, fs.ErrNotExist) {
		return b, nil
	}
	if err == nil {
		err = json.Unmarshal(data, &b)
	}
	if err != nil {
		return b, fmt.Errorf("read the branches of the last switch (%s): %w: remove the file to forget them", filepath.Join(dir, branchesFile), err)
	}
	return b, nil
}

// writeBranches records b in the state folder dir, whole or not at all.
func writeBranches(dir string, b branches) error {
	b.Before = trimBefore(b.Before)
	data, err := json.MarshalIndent(b, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp := filepath.Join(dir, branchesFile+".tmp")
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return fmt.Errorf("record the switch in %s: %w: check the disk", dir, err)
	}
	return os.Rename(tmp, filepath.Join(dir, branchesFile))
}

// trimBefore keeps one step of history: `switch -` goes back one switch,
// and the file must not grow with every switch made.
func trimBefore(b *branches) *branches {
	if b == nil {
		return nil
	}
	c := *b
	c.Before = nil
	return &c
}

// dataBranch is the data branch the infra of m's stack run on, where the
// last switch left it: "" is the manifest's. Every project the stack makes
// mounts it, or an Up would quietly move the infra back to other data.
func dataBranch(m *manifest.Manifest) (string, error) {
	b, err := readBranches(m.StateDir())
	return b.Data, err
}

// dataNamed is data branch b by name: "" (the default data) is the
// manifest's branch, as the docker package names it.
func dataNamed(m *manifest.Manifest, b string) string {
	if b == "" {
		return m.Defaults.Branch
	}
	return b
}

// branchOf is the branch the stack keeps clone c on: where the last switch
// put it, else the manifest's.
func (b branches) branchOf(clone, manifestBranch string) string {
	if br, ok := b.Clones[clone]; ok && br != "" {
		return br
	}
	return manifestBranch
}
