package repos

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5/config"
	format "github.com/go-git/go-git/v5/plumbing/format/config"
)

// newIgnoreRules returns the ignore rules of the working copy at root,
// whose git folder is gd and config cfg, before any .gitignore is read:
// .git/info/exclude (of the folder a linked worktree shares with the main
// one) and the user's excludes file. Both are read again on every state
// read, as git status reads them: an edit shows at once.
func newIgnoreRules(root, gd string, cfg *config.Config) *ignoreRules {
	fold := gitTrue(cfg.Raw.Section("core").Options.Get("ignorecase"))
	return &ignoreRules{
		exclude: parseIgnore(readCapped(filepath.Join(commonDir(gd), "info", "exclude")), fold),
		global:  parseIgnore(readCapped(excludesFile(root, cfg)), fold),
		fold:    fold,
	}
}

// excludesFile is the user's own ignore file, found as git finds it:
// core.excludesFile of the repo's config, else of the global one
// (GIT_CONFIG_GLOBAL when set, else ~/.gitconfig over
// $XDG_CONFIG_HOME/git/config), else of the system's (GIT_CONFIG_SYSTEM,
// else /etc/gitconfig; none with GIT_CONFIG_NOSYSTEM); where none sets it,
// $XDG_CONFIG_HOME/git/ignore, ~/.config/git/ignore by default. An IDE's
// folders (.idea/, .vscode/) are often ignored there rather than in each
// repo. The include directives of config files are not followed.
func excludesFile(root string, local *config.Config) string {
	home, _ := os.UserHomeDir()
	file := local.Raw.Section("core").Options.Get("excludesfile")
	if file == "" {
		for _, cfg := range globalConfigs(home) {
			if file = coreExcludesFile(cfg); file != "" {
				break
			}
		}
	}
	if file == "" {
		xdg := os.Getenv("XDG_CONFIG_HOME")
		if xdg == "" {
			xdg = filepath.Join(home, ".config")
		}
		return filepath.Join(xdg, "git", "ignore")
	}
	if rest, ok := strings.CutPrefix(file, "~/"); ok {
		return filepath.Join(home, rest)
	}
	if !filepath.IsAbs(file) {
		return filepath.Join(root, file) // git reads it from where it runs: the top of the tree
	}
	return file
}

// globalConfigs are the config files above the repo's, the one that wins
// first.
func globalConfigs(home string) []string {
	var files []string
	if g, ok := os.LookupEnv("GIT_CONFIG_GLOBAL"); ok {
		files = append(files, g)
	} else {
		xdg := os.Getenv("XDG_CONFIG_HOME")
		if xdg == "" {
			xdg = filepath.Join(home, ".config")
		}
		files = append(files, filepath.Join(home, ".gitconfig"), filepath.Join(xdg, "git", "config"))
	}
	if !gitTrue(os.Getenv("GIT_CONFIG_NOSYSTEM")) {
		if s, ok := os.LookupEnv("GIT_CONFIG_SYSTEM"); ok {
			files = append(files, s)
		} else {
			files = append(files, "/etc/gitconfig")
		}
	}
	return files
}

// coreExcludesFile is core.excludesFile of one config file, or "".
func coreExcludesFile(name string) string {
	data := readCapped(name)
	if data == nil {
		return ""
	}
	cfg := format.New()
	if err := format.NewDecoder(bytes.NewReader(data)).Decode(cfg); err != nil {
		return ""
	}
	return cfg.Section("core").Option("excludesfile")
}

// gitTrue reads a config boolean as git does.
func gitTrue(v string) bool {
	switch strings.ToLower(v) {
	case "true", "yes", "on", "1":
		return true
	}
	return false
}
