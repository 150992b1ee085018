package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/stack"
)

// NewCmdData builds `crispify data` and its verbs: snapshots of the
// infra's data, and the data of branches no repo has any more.
func NewCmdData(deps *Deps, g *GlobalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "data",
		Short: "Named snapshots of the infra's data, and the data of branches gone",
		Long: `The infra's data belongs to a branch (crispify switch). These commands save
and restore named snapshots of the current branch's data, list and remove them,
and remove the data of branches no repo has any more.

Saving and restoring stop the infra, and the workers that need them, and
start them again after.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(
		NewCmdDataSave(deps, g, nil),
		NewCmdDataRestore(deps, g, nil),
		NewCmdDataList(deps, g, nil),
		NewCmdDataRemove(deps, g, nil),
		NewCmdDataPrune(deps, g, nil),
	)
	return cmd
}

// DataSaveOptions are the inputs of `crispify data save`.
type DataSaveOptions struct {
	Deps   *Deps
	Global *GlobalOptions
	Name   string
}

// NewCmdDataSave builds `crispify data save`.
func NewCmdDataSave(deps *Deps, g *GlobalOptions, runF func(context.Context, *DataSaveOptions) error) *cobra.Command {
	opts := &DataSaveOptions{Deps: deps, Global: g}
	return &cobra.Command{
		Use:   "save NAME",
		Short: "Save the current branch's data as snapshot NAME",
		Long: `Copy every infra's volumes of the current data branch into snapshot NAME
(letters, digits, _, . and -). The infra are stopped for the copy (Redis is
asked to SAVE first) and started again after. A name in use is refused.`,
		Example: `  crispify data save before-migration`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return dataSaveRun(cmd.Context(), opts)
		},
	}
}

func dataSaveRun(ctx context.Context, opts *DataSaveOptions) error {
	st, err := opts.Global.openStack(opts.Deps)
	if err != nil {
		return err
	}
	var snap stack.Snapshot
	return opts.Global.show(ctx, opts.Deps.IO, st.Manifest, nil,
		func(sink event.Sink) (err error) {
			snap, err = st.DataSave(ctx, opts.Name, opts.Deps.IO.environ(), sink)
			return err
		},
		func() {
			if snap.Name != "" { // saved: a failure's table is its error
				fmt.Fprintf(opts.Deps.IO.Out, "snapshot %s saved (data of branch %s, %s)\n", snap.Name, snap.Branch, stack.Bytes(snap.Size))
			}
		})
}

// DataRestoreOptions are the inputs of `crispify data restore`.
type DataRestoreOptions struct {
	Deps   *Deps
	Global *GlobalOptions
	Name   string
}

// NewCmdDataRestore builds `crispify data restore`.
func NewCmdDataRestore(deps *Deps, g *GlobalOptions, runF func(context.Context, *DataRestoreOptions) error) *cobra.Command {
	opts := &DataRestoreOptions{Deps: deps, Global: g}
	return &cobra.Command{
		Use:   "restore NAME",
		Short: "Put snapshot NAME's data back on the current branch",
		Long: `Replace the current data branch's volumes of the snapshot's infra with the
snapshot's copy. Refused, before anything changes, for an image of another
major version than the snapshot's, an image not on the engine, or an infra the
manifest no longer has. The infra are stopped and started again.`,
		Example: `  crispify data restore before-migration`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return dataRestoreRun(cmd.Context(), opts)
		},
	}
}

func dataRestoreRun(ctx context.Context, opts *DataRestoreOptions) error {
	st, err := opts.Global.openStack(opts.Deps)
	if err != nil {
		return err
	}
	var restoreErr error
	return opts.Global.show(ctx, opts.Deps.IO, st.Manifest, nil,
		func(sink event.Sink) error {
			restoreErr = st.DataRestore(ctx, opts.Name, opts.Deps.IO.environ(), sink)
			return restoreErr
		},
		func() {
			if restoreErr == nil {
				fmt.Fprintf(opts.Deps.IO.Out, "snapshot %s restored\n", opts.Name)
			}
		})
}

// DataRemoveOptions are the inputs of `crispify data rm`.
type DataRemoveOptions struct {
	Deps   *Deps
	Global *GlobalOptions
	Name   string
}

// NewCmdDataRemove builds `crispify data rm`.
func NewCmdDataRemove(deps *Deps, g *GlobalOptions, runF func(context.Context, *DataRemoveOptions) error) *cobra.Command {
	opts := &DataRemoveOptions{Deps: deps, Global: g}
	return &cobra.Command{
		Use:   "rm NAME",
		Short: "Remove snapshot NAME",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return dataRemoveRun(cmd.Context(), opts)
		},
	}
}

func dataRemoveRun(ctx context.Context, opts *DataRemoveOptions) error {
	st, err := opts.Global.openStack(opts.Deps)
	if err != nil {
		return err
	}
	removed, err := st.DataRemove(ctx, opts.Name)
	if err != nil {
		return failed(err)
	}
	fmt.Fprintf(opts.Deps.IO.Out, "snapshot %s removed (%s)\n", opts.Name, strings.Join(removed, ", "))
	return nil
}
