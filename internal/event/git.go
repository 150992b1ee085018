package event

import (
	"strconv"
	"strings"
)

// Git is how a repo's working copy stands: its branch, how far it is from
// the branch it tracks, whether it holds changes not committed or files not
// added, and whether it is on the branch the manifest names. Repo events
// carry it, so that every front end shows it without reading git itself.
//
// The counts are always in its JSON, zero included: a script reads
// "dirty" and must find it (docs/design.md: a field a script reads is always
// present).
type Git struct {
	// Branch is the checked-out branch; empty when HEAD is detached.
	Branch string `json:"branch,omitempty"`
	// Head is the commit HEAD is at; empty before the first commit.
	Head string `json:"head,omitempty"`
	// Want is the branch the manifest names; empty when it names none.
	Want string `json:"want,omitempty"`
	// Upstream is the branch Branch tracks ("origin/master"); empty when it
	// tracks none, or that branch was never fetched.
	Upstream string `json:"upstream,omitempty"`
	// Ahead and Behind count the commits only HEAD has, and only Upstream.
	Ahead  int `json:"ahead"`
	Behind int `json:"behind"`
	// Dirty counts the tracked paths with changes, staged or not.
	Dirty int `json:"dirty"`
	// Untracked counts what git neither tracks nor ignores, as git status
	// lists it by default: each such file, and each folder holding only
	// such files once (not the files in it).
	Untracked int `json:"untracked"`
}

// OffBranch reports whether the working copy is not on the manifest's
// branch: on another one, or detached.
func (g Git) OffBranch() bool { return g.Want != "" && g.Branch != g.Want }

// Notable reports whether the state says more than "on the manifest's
// branch, clean, level with its upstream": what a busy row shows.
func (g Git) Notable() bool {
	return g.OffBranch() || g.Ahead > 0 || g.Behind > 0 || g.Dirty > 0 || g.Untracked > 0
}

// String is the compact form rows show, in the manner of a shell prompt:
// "master", "master ↑2", "master ↓3", "master ↑1 *2 ?3", "feature/x
// ≠master *1", "detached 1a2b3c4 ≠master". It is Where followed by Marks.
func (g Git) String() string { return g.Where() + g.Marks() }

// Where is the branch, or "detached" and the short commit: what a row may
// shorten to make room, keeping the marks whole.
func (g Git) Where() string {
	switch {
	case g.Branch != "":
		return g.Branch
	case g.Head != "":
		return "detached " + g.Head[:min(len(g.Head), 7)]
	}
	return "detached"
}

// Marks follow Where, each with a space before it: ≠ names the manifest's
// branch when the repo is not on it, ↑ counts local commits not pushed, ↓
// commits to pull, * the tracked paths with changes not committed and ?
// the untracked files, as gita and shell prompts show them.
func (g Git) Marks() string {
	var b strings.Builder
	if g.OffBranch() {
		b.WriteString(" ≠" + g.Want)
	}
	if g.Ahead > 0 {
		b.WriteString(" ↑" + strconv.Itoa(g.Ahead))
	}
	if g.Behind > 0 {
		b.WriteString(" ↓" + strconv.Itoa(g.Behind))
	}
	if g.Dirty > 0 {
		b.WriteString(" *" + strconv.Itoa(g.Dirty))
	}
	if g.Untracked > 0 {
		b.WriteString(" ?" + strconv.Itoa(g.Untracked))
	}
	return b.String()
}
