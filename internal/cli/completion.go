package cli

import (
	"github.com/spf13/cobra"
)

// NewCmdCompletion builds `crispify completion SHELL`.
func NewCmdCompletion(deps *Deps) *cobra.Command {
	return &cobra.Command{
		Use:   "completion bash|zsh|fish|powershell",
		Short: "Print the shell completion script",
		Long: `Print the completion script of a shell. To load it:

  bash:        source <(crispify completion bash)
  zsh:         crispify completion zsh > "${fpath[1]}/_crispify"
  fish:        crispify completion fish > ~/.config/fish/completions/crispify.fish
  powershell:  crispify completion powershell | Out-String | Invoke-Expression`,
		Args:      cobra.MatchAll(cobra.ExactArgs(1), cobra.OnlyValidArgs),
		ValidArgs: []string{"bash", "zsh", "fish", "powershell"},
		RunE: func(cmd *cobra.Command, args []string) error {
			root, out := cmd.Root(), deps.IO.Out
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(out, true)
			case "zsh":
				return root.GenZshCompletion(out)
			case "fish":
				return root.GenFishCompletion(out, true)
			default:
				return root.GenPowerShellCompletionWithDesc(out)
			}
		},
	}
}
