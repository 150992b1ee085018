package docker

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// Copy is a bind mount of the manifest on an engine of another machine,
// which cannot see this machine's files: they are copied into the container
// through the Engine API before it starts. The folder on the laptop is what
// the user means; a later change reaches the container when the next run
// recreates it (the digest is part of the config hash).
type Copy struct {
	Source string // this machine's file or folder
	Target string // where it goes in the container
	// Digest covers the names, modes, link targets and contents of what is
	// copied (not times): an edited file changes the container's hash.
	Digest string
}

// What one container's copies may hold: config files and seed scripts, not
// data, which belongs in a named volume or the image.
const (
	maxCopyBytes = 64 << 20
	maxCopyFiles = 10000
)

// digestCopies sets the digest of each copy, refusing copies over the caps.
func digestCopies(copies []Copy) error {
	var budget copyBudget
	for i := range copies {
		h := sha256.New()
		if err := writeCopies(h, copies[i:i+1], true, &budget); err != nil {
			return err
		}
		copies[i].Digest = hex.EncodeToString(h.Sum(nil)[:16])
	}
	return nil
}

// copyIn copies a container's bind mounts into it, streamed as one tar.
func (p *Project) copyIn(ctx context.Context, id string, copies []Copy) error {
	pr, pw := io.Pipe()
	go func() {
		pw.CloseWithError(writeCopies(pw, copies, false, &copyBudget{}))
	}()
	err := p.Engine.CopyToContainer(ctx, id, "/", pr)
	pr.CloseWithError(errors.New("copy ended")) // unblocks the writer if the engine stopped reading
	if err != nil {
		var sources []string
		for _, c := range copies {
			sources = append(sources, c.Source)
		}
		return fmt.Errorf("copy %s into the container (a remote engine cannot mount this machine's files): %w", strings.Join(sources, ", "), err)
	}
	return nil
}

// copyBudget counts what copies hold against the caps.
type copyBudget struct {
	bytes int64
	files int
}

func (b *copyBudget) add(c Copy, size int64) error {
	b.bytes += size
	b.files++
	switch {
	case b.bytes > maxCopyBytes:
		return fmt.Errorf("bind mount %s: over %d MiB to copy to a remote engine: keep config files there, and put data in a named volume (NAME:PATH) or in the image", c.Source, maxCopyBytes>>20)
	case b.files > maxCopyFiles:
		return fmt.Errorf("bind mount %s: over %d files to copy to a remote engine: keep config files there, and put data in a named volume (NAME:PATH) or in the image", c.Source, maxCopyFiles)
	}
	return nil
}

// writeCopies writes copies as a tar rooted at the container's /. For a
// digest, times and owner names are left out: touching a file changes
// nothing, editing it does.
func writeCopies(w io.Writer, copies []Copy, forDigest bool, budget *copyBudget) error {
	tw := tar.NewWriter(w)
	for _, c := range copies {
		if err := writeCopy(tw, c, forDigest, budget); err != nil {
			return err
		}
	}
	return tw.Close()
}

func writeCopy(tw *tar.Writer, c Copy, forDigest bool, budget *copyBudget) error {
	root, err := os.Lstat(c.Source)
	if err != nil {
		return fmt.Errorf("bind mount %s: %w: create it, or fix the infra's volumes in the manifest", c.Source, unwrapPath(err))
	}
	target := strings.TrimPrefix(path.Clean(c.Target), "/")
	if !root.IsDir() {
		return writeEntry(tw, c, c.Source, target, root, forDigest, budget)
	}
	return filepath.WalkDir(c.Source, func(file string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("bind mount %s: %w", c.Source, err)
		}
		info, err := d.Info()
		if err != nil {
			return fmt.Errorf("bind mount %s: %w", c.Source, err)
		}
		rel, err := filepath.Rel(c.Source, file)
		if err != nil {
			return err
		}
		return writeEntry(tw, c, file, path.Join(target, filepath.ToSlash(rel)), info, forDigest, budget)
	})
}

func writeEntry(tw *tar.Writer, c Copy, file, name string, info fs.FileInfo, forDigest bool, budget *copyBudget) error {
	link := ""
	switch mode := info.Mode(); {
	case mode.IsRegular(), mode.IsDir():
	case mode&fs.ModeSymlink != 0:
		// Kept a link, as a bind mount shows it: it resolves in the container.
		var err error
		if link, err = os.Readlink(file); err != nil {
			return fmt.Errorf("bind mount %s: %w", c.Source, err)
		}
	default:
		return fmt.Errorf("bind mount %s: %s is a %s: only files, folders and symlinks can be copied to a remote engine", c.Source, file, mode.Type())
	}
	hdr, err := tar.FileInfoHeader(info, link)
	if err != nil {
		return fmt.Errorf("bind mount %s: %s: %w", c.Source, file, err)
	}
	hdr.Name = name
	if info.IsDir() {
		hdr.Name += "/"
	}
	if forDigest {
		hdr.ModTime, hdr.AccessTime, hdr.ChangeTime = time.Time{}, time.Time{}, time.Time{}
		hdr.Uname, hdr.Gname = "", ""
		hdr.Format = tar.FormatPAX
	}
	if err := budget.add(c, hdr.Size); err != nil {
		return err
	}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	if !info.Mode().IsRegular() {
		return nil
	}
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("bind mount %s: %w", c.Source, err)
	}
	defer f.Close()
	// Exactly the size in the header: a file growing meanwhile is cut
	// there, one shrinking fails the copy, rather than a corrupt tar.
	if _, err := io.CopyN(tw, f, hdr.Size); err != nil {
		return fmt.Errorf("bind mount %s: read %s: %w (did it change while being copied?)", c.Source, file, err)
	}
	return nil
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
