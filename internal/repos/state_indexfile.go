package repos

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
)

// indexFile is what the state needs of git's index (.git/index): every
// entry's path, object and stat data, and the tree the index would commit
// when git has it cached. It is read here rather than by go-git, whose
// decoder costs ten times as much (a reflective read per field, a
// collision-detecting hash of the whole file): on a tree of 20,000 files,
// more than every lstat of the working tree together.
type indexFile struct {
	entries []indexEntry
	// tree is the cached tree of the whole index (the TREE extension),
	// zero when git has none or has invalidated it.
	tree    plumbing.Hash
	modTime time.Time // of the index file: entries as new are racy
}

// indexEntry is one entry of the index.
type indexEntry struct {
	name                             string // slash-separated, from the top of the repo
	ctimeS, ctimeNs, mtimeS, mtimeNs uint32
	ino                              uint32
	mode                             filemode.FileMode
	size                             uint32 // truncated to 32 bits, as git records it
	hash                             plumbing.Hash
	stage                            int  // 0, or 1-3 in a conflict
	assumeValid                      bool // git update-index --assume-unchanged
	skipWorktree                     bool // not checked out (sparse checkout)
	intentToAdd                      bool // git add -N
}

// Flags of an index entry.
const (
	flagAssumeValid  = 0x8000
	flagExtended     = 0x4000
	flagStageShift   = 12
	flagNameMask     = 0x0fff
	flagSkipWorktree = 0x4000 // of the extended flags
	flagIntentToAdd  = 0x2000 // of the extended flags
)

// errIndexForm is an index in a form read here only by git: a split or
// sparse index, SHA-256 object names, an unknown version.
var errIndexForm = errors.New("index in a form only git reads")

// gitDir returns the git folder of the working copy in dir: dir/.git, or
// where a .git file points (a linked worktree, a submodule).
func gitDir(dir string) (string, error) {
	dotgit := filepath.Join(dir, ".git")
	fi, err := os.Lstat(dotgit)
	if err != nil {
		return "", err
	}
	if fi.IsDir() {
		return dotgit, nil
	}
	b, err := os.ReadFile(dotgit)
	if err != nil {
		return "", err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	target, ok := strings.CutPrefix(strings.TrimSpace(line), "gitdir: ")
	if !ok {
		return "", fmt.Errorf("%s: not a gitdir file", dotgit)
	}
	if !filepath.IsAbs(target) {
		target = filepath.Join(dir, target)
	}
	return target, nil
}

// readIndex reads the index of git folder gd. A missing index (a repo
// with nothing checked out) is an empty one.
func readIndex(gd string) (*indexFile, error) {
	path := filepath.Join(gd, "index")
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return &indexFile{}, nil
	}
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	idx, err := parseIndex(b)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	idx.modTime = fi.ModTime()
	return idx, nil
}

// parseIndex reads the index format of git's Documentation/gitformat-index,
// versions 2 to 4, with SHA-1 object names. The trailing checksum is not
// verified, as git itself does not unless asked (index.skipHash).
func parseIndex(b []byte) (*indexFile, error) {
	const hashLen = 20
	if len(b) < 12+hashLen || string(b[:4]) != "DIRC" {
		return nil, errors.New("not an index file")
	}
	version := binary.BigEndian.Uint32(b[4:])
	if version < 2 || version > 4 {
		return nil, fmt.Errorf("%w: version %d", errIndexForm, version)
	}
	count := binary.BigEndian.Uint32(b[8:])
	body := b[:len(b)-hashLen]
	if uint64(count) > uint64(len(body))/62 {
		return nil, errors.New("truncated index")
	}
	idx := &indexFile{entries: make([]indexEntry, 0, count)}
	off := 12
	prev := ""
	for range count {
		if off+62 > len(body) {
			return nil, errors.New("truncated index entry")
		}
		u := func(i int) uint32 { return binary.BigEndian.Uint32(body[off+4*i:]) }
		e := indexEntry{
			ctimeS: u(0), ctimeNs: u(1), mtimeS: u(2), mtimeNs: u(3),
			ino: u(5), mode: filemode.FileMode(u(6)), size: u(9),
		}
		copy(e.hash[:], body[off+40:off+60])
		flags := binary.BigEndian.Uint16(body[off+60:])
		e.stage = int(flags>>flagStageShift) & 3
		e.assumeValid = flags&flagAssumeValid != 0
		n := 62
		if flags&flagExtended != 0 {
			if version < 3 || off+64 > len(body) {
				return nil, errors.New("bad extended flags")
			}
			ext := binary.BigEndian.Uint16(body[off+62:])
			e.skipWorktree = ext&flagSkipWorktree != 0
			e.intentToAdd = ext&flagIntentToAdd != 0
			n = 64
		}
		off += n
		if version == 4 {
			// The name is the previous one less a varint-many bytes of its
			// end, then a NUL-terminated suffix; no padding.
			strip, used := offsetVarint(body[off:])
			if used == 0 || strip > uint64(len(prev)) {
				return nil, errors.New("bad path prefix")
			}
			off += used
			end := bytes.IndexByte(body[off:], 0)
			if end < 0 {
				return nil, errors.New("unterminated path")
			}
			e.name = prev[:len(prev)-int(strip)] + string(body[off:off+end])
			off += end + 1
		} else {
			end := bytes.IndexByte(body[off:], 0)
			if end < 0 {
				return nil, errors.New("unterminated path")
			}
			e.name = string(body[off : off+end])
			// 1 to 8 NULs pad the entry to a multiple of 8 bytes.
			off += (n+end+8)&^7 - n
		}
		prev = e.name
		idx.entries = append(idx.entries, e)
	}
	for off+8 <= len(body) {
		sig := string(body[off : off+4])
		size := int(binary.BigEndian.Uint32(body[off+4:]))
		off += 8
		if size < 0 || off+size > len(body) {
			return nil, errors.New("truncated extension")
		}
		data := body[off : off+size]
		off += size
		switch {
		case sig == "TREE":
			idx.tree = rootTree(data)
		case sig[0] < 'A' || sig[0] > 'Z':
			// An extension git requires to be understood: split or sparse.
			return nil, fmt.Errorf("%w: extension %q", errIndexForm, sig)
		}
	}
	return idx, nil
}

// rootTree returns the cached tree of the whole index from the data of a
// TREE extension: its first entry, "\x00<entries> <subtrees>\n<hash>",
// where a negative count marks it stale (and no hash follows).
func rootTree(data []byte) plumbing.Hash {
	if len(data) == 0 || data[0] != 0 {
		return plumbing.ZeroHash
	}
	nl := bytes.IndexByte(data, '\n')
	if nl < 0 {
		return plumbing.ZeroHash
	}
	count, _, _ := strings.Cut(string(data[1:nl]), " ")
	if n, err := strconv.Atoi(count); err != nil || n < 0 || len(data) < nl+1+20 {
		return plumbing.ZeroHash
	}
	var h plumbing.Hash
	copy(h[:], data[nl+1:nl+21])
	return h
}

// offsetVarint reads the variable-length integer of index v4 paths (git's
// decode_varint: big-endian groups of 7 bits, each continuation adding 1).
// used is 0 when b holds none.
func offsetVarint(b []byte) (v uint64, used int) {
	for i, c := range b {
		if i > 0 {
			v++
		}
		v = v<<7 | uint64(c&0x7f)
		if c&0x80 == 0 {
			return v, i + 1
		}
		if i == 9 {
			break
		}
	}
	return 0, 0
}
