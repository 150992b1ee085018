package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/crispify/crispify/internal/build"
)

// NewCmdVersion builds `crispify version`.
func NewCmdVersion(deps *Deps) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print crispify's version",
		Args:  cobra.NoArgs,
		Run: func(*cobra.Command, []string) {
			fmt.Fprintln(deps.IO.Out, build.String("crispify"))
		},
	}
}
