package watch

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/format/config"
)

// globalExcludes reads the user's own ignore file, as git does:
// core.excludesFile from ~/.gitconfig or $XDG_CONFIG_HOME/git/config (the
// former wins), else $XDG_CONFIG_HOME/git/ignore. An IDE's folders (.idea/,
// .vscode/) are often ignored there rather than in each repo. With home set
// (tests), $XDG_CONFIG_HOME is not read: home/.config stands for it.
func globalExcludes(home string) []pattern {
	xdg := os.Getenv("XDG_CONFIG_HOME")
	if home == "" {
		h, err := os.UserHomeDir()
		if err != nil {
			return nil
		}
		home = h
	} else {
		xdg = ""
	}
	if xdg == "" {
		xdg = filepath.Join(home, ".config")
	}
	file := filepath.Join(xdg, "git", "ignore")
	for _, cfg := range []string{filepath.Join(xdg, "git", "config"), filepath.Join(home, ".gitconfig")} {
		if v := excludesFile(cfg); v != "" {
			file = v
		}
	}
	if rest, ok := strings.CutPrefix(file, "~/"); ok {
		file = filepath.Join(home, rest)
	}
	return parsePatterns(readCapped(file))
}

// excludesFile is core.excludesFile of one git config file, or "".
func excludesFile(name string) string {
	data := readCapped(name)
	if data == nil {
		return ""
	}
	cfg := config.New()
	if err := config.NewDecoder(bytes.NewReader(data)).Decode(cfg); err != nil {
		return ""
	}
	return cfg.Section("core").Option("excludesfile")
}
