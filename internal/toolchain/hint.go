package toolchain

import (
	"fmt"

	"github.com/crispify/crispify/internal/toolchain/constraint"
)

// hint says how to get the version a wish asks for: the version manager
// that reads the file the wish came from, else a common way per tool.
func hint(w Wish, dir string) string {
	if w.Source == ".tool-versions" {
		return fmt.Sprintf("run `mise install` (or `asdf install`) in %s", dir)
	}
	v := suggest(w.Want)
	switch w.Tool + " " + w.Source {
	case "node .nvmrc":
		return fmt.Sprintf("run `nvm install` in %s (it reads .nvmrc), or `fnm install`", dir)
	case "node .node-version":
		return fmt.Sprintf("run `fnm install` (or `nodenv install`) in %s: it reads .node-version", dir)
	case "go go.mod":
		return fmt.Sprintf("install go %s or newer from https://go.dev/dl/ (a go of 1.21 or newer fetches it by itself, unless GOTOOLCHAIN=local or it cannot reach the Go proxy)", v)
	case "ruby .ruby-version":
		return fmt.Sprintf("run `rbenv install` in %s (it reads .ruby-version), or `rvm install %s`", dir, v)
	case "python .python-version":
		return fmt.Sprintf("run `pyenv install` in %s (it reads .python-version)", dir)
	}
	switch w.Tool {
	case "node":
		if w.Want.LTS() {
			return "install a node LTS: `nvm install --lts`, or `mise use -g node@lts`"
		}
		return fmt.Sprintf("install node %s: `nvm install %s`, or `mise use -g node@%s`", v, v, v)
	case "go":
		return fmt.Sprintf("install go %s from https://go.dev/dl/, or `mise use -g go@%s`", v, v)
	case "ruby":
		return fmt.Sprintf("install ruby %s: `rbenv install %s`, or `mise use -g ruby@%s`", v, v, v)
	case "python":
		return fmt.Sprintf("install python %s: `pyenv install %s`, or `mise use -g python@%s`", v, v, v)
	}
	return fmt.Sprintf("install %s %s", w.Tool, v)
}

// suggest is the version to name in a hint: the one written first, else
// the constraint itself (a range like <21 names none).
func suggest(c constraint.Constraint) string {
	if s := c.Suggest(); s != "" {
		return s
	}
	return fmt.Sprintf("%q", c.String())
}
