package repos

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// trackedChanges lists the tracked paths whose content differs between
// HEAD's tree (zero before the first commit) and the index (staged), or
// between the index and the working tree: what `git status
// --untracked-files=no` lists, found the way git finds it. A file whose
// stat data matches what the index recorded is unchanged without being
// opened. It writes nothing. It returns errAskGit when a file's bytes
// differ but git's filters (attributes, autocrlf) might make them the same
// to git. idx is the index of git folder gd (readIndex, which returns
// errIndexForm for an index only git reads).
func trackedChanges(ctx context.Context, repo *gogit.Repository, root, gd string, idx *indexFile, headTree plumbing.Hash, cfg *config.Config) ([]string, error) {
	changed := map[string]bool{}
	if err := stagedChanges(repo, idx, headTree, changed); err != nil {
		return nil, err
	}
	opts := statOptionsOf(cfg)
	byContent := false
	for i := range idx.entries {
		e := &idx.entries[i]
		if i%512 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		switch {
		case e.stage != 0 || e.intentToAdd:
			changed[e.name] = true
			continue
		case e.skipWorktree || e.assumeValid || e.mode == filemode.Submodule:
			// Not checked out, or git was told to trust it; a submodule's
			// own state is its own.
			continue
		}
		differs, read, err := worktreeDiffers(root, e, idx.modTime, opts)
		if err != nil {
			return nil, err
		}
		if differs {
			changed[e.name] = true
			byContent = byContent || read
		}
	}
	if byContent && mayFilter(repo, gd, idx) {
		return nil, errAskGit
	}
	out := make([]string, 0, len(changed))
	for p := range changed {
		out = append(out, p)
	}
	return out, nil
}

// stagedChanges adds the paths whose index entry differs from HEAD's tree.
// The index's cached tree, which git keeps for the next commit, says at
// once when nothing is staged; only when it is stale is the tree walked.
func stagedChanges(repo *gogit.Repository, idx *indexFile, headTree plumbing.Hash, changed map[string]bool) error {
	if headTree.IsZero() {
		for _, e := range idx.entries {
			changed[e.name] = true // before the first commit all is new
		}
		return nil
	}
	if idx.tree == headTree {
		return nil
	}
	tree, err := repo.TreeObject(headTree)
	if err != nil {
		return err
	}
	inHead := map[string]object.TreeEntry{}
	w := object.NewTreeWalker(tree, true, nil)
	defer w.Close()
	w.SkipPathValidation() // names are compared, never opened
	for {
		name, entry, err := w.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if entry.Mode != filemode.Dir {
			inHead[name] = entry
		}
	}
	for _, e := range idx.entries {
		h, ok := inHead[e.name]
		if !ok || h.Hash != e.hash || h.Mode != e.mode || e.stage != 0 {
			changed[e.name] = true
		}
	}
	for _, e := range idx.entries {
		delete(inHead, e.name)
	}
	for name := range inHead {
		changed[name] = true // deleted from the index
	}
	return nil
}

// statOptions are the core settings that say which stat data git trusts.
type statOptions struct {
	fileMode   bool // core.fileMode: the executable bit counts
	trustCtime bool // core.trustCtime
	minimal    bool // core.checkStat=minimal: size and mtime seconds only
}

func statOptionsOf(cfg *config.Config) statOptions {
	core := cfg.Raw.Section("core")
	isFalse := func(key string) bool {
		switch core.Options.Get(key) {
		case "false", "no", "off", "0":
			return true
		}
		return false
	}
	return statOptions{
		fileMode:   !isFalse("filemode"),
		trustCtime: !isFalse("trustctime"),
		minimal:    core.Options.Get("checkstat") == "minimal",
	}
}

// worktreeDiffers reports whether the working tree's file differs from
// index entry e, and whether its content had to be read to say so.
func worktreeDiffers(root string, e *indexEntry, indexTime time.Time, opts statOptions) (differs, read bool, err error) {
	// Index paths are clean already: joined without filepath.Join's
	// cleaning, which costs more than the lstat on a big tree.
	file := root + string(filepath.Separator) + filepath.FromSlash(e.name)
	fi, err := os.Lstat(file)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return true, false, nil // deleted, or a parent became a file
	}
	if err != nil {
		return false, false, err
	}
	if modeOf(fi, e.mode, opts) != e.mode {
		return true, false, nil
	}
	if sameStat(e, fi, opts) && !racy(e, indexTime) {
		return false, false, nil
	}
	h, err := blobHash(file, fi)
	if errors.Is(err, fs.ErrNotExist) {
		return true, false, nil // removed while we looked
	}
	if err != nil {
		return false, false, err
	}
	return h != e.hash, true, nil
}

// modeOf is the index mode the file would have, by git's rules: a symlink,
// an executable or a regular file; the executable bit only when
// core.fileMode is on. Anything else (a folder where a file was) is
// filemode.Empty, which no entry has.
func modeOf(fi fs.FileInfo, recorded filemode.FileMode, opts statOptions) filemode.FileMode {
	switch m := fi.Mode(); {
	case m&fs.ModeSymlink != 0:
		return filemode.Symlink
	case !m.IsRegular():
		return filemode.Empty
	case !opts.fileMode && (recorded == filemode.Regular || recorded == filemode.Executable):
		return recorded
	case m&0o111 != 0:
		return filemode.Executable
	}
	return filemode.Regular
}

// sameStat compares the stat data the index recorded with the file's, as
// git's match_stat_data does: size and mtime, and with the default
// core.checkStat also ctime and inode. Nanoseconds count where the index
// has them.
func sameStat(e *indexEntry, fi fs.FileInfo, opts statOptions) bool {
	if uint32(fi.Size()) != e.size || !sameTime(e.mtimeS, e.mtimeNs, fi.ModTime(), opts.minimal) {
		return false
	}
	if opts.minimal {
		return true
	}
	ctime, inode, ok := ctimeInode(fi)
	if !ok {
		return true // no such data on this system: git has none either
	}
	return (!opts.trustCtime || sameTime(e.ctimeS, e.ctimeNs, ctime, false)) && e.ino == inode
}

func sameTime(s, ns uint32, t time.Time, secondsOnly bool) bool {
	if s != uint32(t.Unix()) {
		return false
	}
	return secondsOnly || ns == 0 || ns == uint32(t.Nanosecond())
}

// racy reports an entry written in the same tick of the file system's
// clock as the index: the file may have changed after git recorded it
// without its stat data showing it, so its content decides, as in git.
func racy(e *indexEntry, indexTime time.Time) bool {
	if indexTime.IsZero() {
		return false
	}
	is, ins := uint32(indexTime.Unix()), uint32(indexTime.Nanosecond())
	return e.mtimeS > is || e.mtimeS == is && e.mtimeNs >= ins
}

// blobHash is the object id git would give the file's content: a symlink's
// target, a file's bytes, read in a stream.
func blobHash(file string, fi fs.FileInfo) (plumbing.Hash, error) {
	if fi.Mode()&fs.ModeSymlink != 0 {
		target, err := os.Readlink(file)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		return plumbing.ComputeHash(plumbing.BlobObject, []byte(filepath.ToSlash(target))), nil
	}
	f, err := os.Open(file)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	defer f.Close()
	h := plumbing.NewHasher(plumbing.BlobObject, fi.Size())
	n, err := io.Copy(h, f)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	if n != fi.Size() {
		return plumbing.ZeroHash, nil // changing as we read: changed
	}
	return h.Sum(), nil
}

// mayFilter reports whether git might see a file differently from its
// bytes: a .gitattributes anywhere in the index, info/attributes, a global
// attributes file, or core.autocrlf.
func mayFilter(repo *gogit.Repository, gd string, idx *indexFile) bool {
	for _, e := range idx.entries {
		if path.Base(e.name) == ".gitattributes" {
			return true
		}
	}
	if _, err := os.Stat(filepath.Join(commonDir(gd), "info", "attributes")); err == nil {
		return true
	}
	cfg, err := repo.ConfigScoped(config.SystemScope)
	if err != nil {
		return true
	}
	core := cfg.Raw.Section("core")
	switch core.Options.Get("autocrlf") {
	case "", "false", "no", "off", "0":
	default:
		return true
	}
	if core.Options.Get("attributesfile") != "" {
		return true
	}
	return globalAttributesExist()
}

// commonDir is the folder a linked worktree's git folder shares with the
// main one (where info/ is); gd itself for any other.
func commonDir(gd string) string {
	b, err := os.ReadFile(filepath.Join(gd, "commondir"))
	if err != nil {
		return gd
	}
	c := strings.TrimSpace(string(b))
	if !filepath.IsAbs(c) {
		c = filepath.Join(gd, c)
	}
	return c
}

// globalAttributesExist looks for git's default global attributes file.
func globalAttributesExist() bool {
	dir := os.Getenv("XDG_CONFIG_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return false
		}
		dir = filepath.Join(home, ".config")
	}
	_, err := os.Stat(filepath.Join(dir, "git", "attributes"))
	return err == nil
}
