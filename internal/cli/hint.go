package cli

import (
	"os"
	"path/filepath"
	"strings"
)

// A hint names a command the user can run as it is, from where they are:
// `decrispify` alone finds no manifest when the run was given one with -f,
// and is not on PATH when crispify runs from a clone or from the demo.

// hintCommand is the crispify command line that runs sub ("status",
// "logs -f") on this stack: $CRISPIFY_COMMAND when set (scripts/demo.sh sets
// itself: `scripts/demo.sh status`), else crispify as it was called, with
// the manifest, project and workspace flags of this run before sub.
func (g *GlobalOptions) hintCommand(d *Deps, sub string) string {
	if own := strings.TrimSpace(d.IO.Getenv("CRISPIFY_COMMAND")); own != "" {
		return own + " " + sub
	}
	return join(d.program("crispify"), g.hintFlags(d.IO), sub)
}

// hintDown is the command line that tears this stack down, with extra
// flags ("--volumes"): `decrispify -f FILE`, or `scripts/demo.sh down`.
func (g *GlobalOptions) hintDown(d *Deps, extra string) string {
	if own := strings.TrimSpace(d.IO.Getenv("CRISPIFY_COMMAND")); own != "" {
		return join(own, "down", extra)
	}
	down := d.program("decrispify")
	if down == "decrispify" && !onPath(d.IO.Getenv("PATH"), "decrispify") {
		down = join(d.program("crispify"), "down")
	}
	return join(down, g.hintFlags(d.IO), extra)
}

// hintFlags are the flags that find this run's stack: the manifest when it
// is not ./crispify.yaml, and a project or workspace given as a flag.
func (g *GlobalOptions) hintFlags(io *IOStreams) string {
	var flags []string
	if path := g.manifestPath(io); path != "crispify.yaml" && path != "./crispify.yaml" {
		flags = append(flags, "-f", shellQuote(path))
	}
	if g.Project != "" {
		flags = append(flags, "--project", shellQuote(g.Project))
	}
	if g.Workspace != "" {
		flags = append(flags, "--workspace", shellQuote(g.Workspace))
	}
	return strings.Join(flags, " ")
}

// program is how the user calls name (crispify or decrispify): by the path
// they called this one by, when they did by a path (./bin/crispify), else
// by its name.
func (d *Deps) program(name string) string {
	if !strings.ContainsRune(d.Program, filepath.Separator) {
		return name
	}
	dir := filepath.Dir(d.Program)
	if name == "decrispify" {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			return join(shellQuote(filepath.Join(dir, "crispify")), "down")
		}
	}
	return shellQuote(filepath.Join(dir, name))
}

// onPath reports whether an executable called name is in one of path's
// folders.
func onPath(path, name string) bool {
	for _, dir := range filepath.SplitList(path) {
		if dir == "" {
			continue
		}
		if fi, err := os.Stat(filepath.Join(dir, name)); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return true
		}
	}
	return false
}

func join(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, " ")
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && !strings.ContainsFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-+=:@,", r))
	}) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
