package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
)

// ValidateOptions are the inputs of `crispify validate`.
type ValidateOptions struct {
	IO     *IOStreams
	Global *GlobalOptions
}

// NewCmdValidate builds `crispify validate`.
func NewCmdValidate(deps *Deps, g *GlobalOptions, runF func(context.Context, *ValidateOptions) error) *cobra.Command {
	opts := &ValidateOptions{IO: deps.IO, Global: g}
	return &cobra.Command{
		Use:   "validate",
		Short: "Check the manifest and report every mistake at once",
		Long: `Check the manifest without touching anything. Every mistake is reported,
each as FILE:LINE:COL: message; the exit code is 0 when valid, 2 when not.
Warnings (a ${VAR} nothing sets) are printed on stderr and keep the exit 0.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return validateRun(opts)
		},
	}
}

func validateRun(opts *ValidateOptions) error {
	m, err := opts.Global.LoadManifest(opts.IO)
	if err != nil {
		return err
	}
	for _, w := range m.Warnings {
		fmt.Fprintln(opts.IO.ErrOut, w.String())
	}
	fmt.Fprintf(opts.IO.Out, "%s is valid: project %s, %d infra, %d services, workspace %s\n",
		opts.Global.manifestPath(opts.IO), m.Project, len(m.Infra), len(m.Services), m.WorkspaceDir)
	return nil
}
