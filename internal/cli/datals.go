package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/crispify/crispify/internal/stack"
	"github.com/crispify/crispify/internal/ui"
)

// DataListOptions are the inputs of `crispify data ls`.
type DataListOptions struct {
	Deps   *Deps
	Global *GlobalOptions
	JSON   bool
}

// NewCmdDataList builds `crispify data ls`.
func NewCmdDataList(deps *Deps, g *GlobalOptions, runF func(context.Context, *DataListOptions) error) *cobra.Command {
	opts := &DataListOptions{Deps: deps, Global: g}
	cmd := &cobra.Command{
		Use:     "ls [--json]",
		Aliases: []string{"list"},
		Short:   "List the snapshots: name, branch, size, age and images",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return dataListRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, `print an array of {"name","branch","size","created","images","volumes"}`)
	return cmd
}

// snapshotJSON is one snapshot of `data ls --json`: every field always
// there; size is -1 when the engine did not say it.
type snapshotJSON struct {
	Name    string            `json:"name"`
	Branch  string            `json:"branch"`
	Size    int64             `json:"size"`
	Created time.Time         `json:"created"`
	Images  map[string]string `json:"images"`
	Volumes []string          `json:"volumes"`
}

func dataListRun(ctx context.Context, opts *DataListOptions) error {
	io := opts.Deps.IO
	st, err := opts.Global.openStack(opts.Deps)
	if err != nil {
		return err
	}
	snaps, err := st.DataList(ctx)
	if err != nil {
		return failed(err)
	}
	if opts.JSON {
		out := make([]snapshotJSON, len(snaps))
		for i, s := range snaps {
			out[i] = snapshotJSON{Name: s.Name, Branch: s.Branch, Size: s.Size, Created: s.Created, Images: s.Images, Volumes: s.Volumes}
			if out[i].Images == nil {
				out[i].Images = map[string]string{}
			}
			if out[i].Volumes == nil {
				out[i].Volumes = []string{}
			}
		}
		enc := json.NewEncoder(io.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	if len(snaps) == 0 {
		fmt.Fprintln(io.ErrOut, "no snapshots: `crispify data save NAME` saves one")
		return nil
	}
	rows := make([]ui.Row, len(snaps))
	for i, s := range snaps {
		rows[i] = ui.Row{Cells: []string{s.Name, s.Branch, stack.Bytes(s.Size), stack.Since(s.Created), snapshotImages(s.Images)}, StateColumn: -1}
	}
	ui.Table(io.Out, io.Colour(opts.Global.NoColour, io.OutTTY), []string{"NAME", "BRANCH", "SIZE", "AGE", "IMAGES"}, rows)
	return nil
}

// snapshotImages says which image each infra ran: "mysql=mariadb:10.11 redis=redis:7".
func snapshotImages(images map[string]string) string {
	var parts []string
	for _, infra := range slices.Sorted(maps.Keys(images)) {
		parts = append(parts, infra+"="+images[infra])
	}
	return strings.Join(parts, " ")
}
