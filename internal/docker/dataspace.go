package docker

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
)

// DataSpace is what an engine says of the room its volumes take and have:
// enough to refuse a copy the disk cannot hold before anything is copied.
type DataSpace struct {
	// Sizes are the volumes' sizes in bytes, by name; a volume missing
	// here is of unknown size.
	Sizes map[string]int64
	// Free is the bytes free where the engine keeps volumes; -1 when it
	// cannot be learnt from here (an engine in a VM, on another machine).
	Free int64
	// Volumes is the folder of the engine's volumes (<data root>/volumes)
	// when it is on this machine and can be read from here; "" otherwise.
	// A volume the engine did not size is sized by its files there.
	Volumes string
}

// size is the sum of the named volumes' sizes, and whether all were known.
func (d DataSpace) size(names []string) (int64, bool) {
	var total int64
	known := true
	for _, n := range names {
		s, ok := d.Sizes[n]
		if !ok || s < 0 {
			known = false
			continue
		}
		total += s
	}
	return total, known
}

// checkSpace refuses a copy of volumes the engine's disk cannot hold, when
// the engine says both their sizes and its free space; it returns what it
// learnt (the sizes, the volumes' folder), for the progress. A tenth more than the data, and 64
// MiB, are kept free: tar headers, file system blocks, what else writes.
func (p *Project) checkSpace(ctx context.Context, what string, volumes []string) (DataSpace, error) {
	if len(volumes) == 0 {
		return DataSpace{}, nil
	}
	space, err := p.Engine.DataSpace(ctx)
	if err != nil {
		return DataSpace{}, nil // sizes unknown: the copy runs, its progress without a total
	}
	space.sizeHere(volumes)
	need, known := space.size(volumes)
	if known && space.Free >= 0 && need+need/10+64<<20 > space.Free {
		return DataSpace{}, &SpaceError{What: what, Need: need, Free: space.Free}
	}
	return space, nil
}

// SpaceError refuses a copy the engine's disk has no room for.
type SpaceError struct {
	What       string
	Need, Free int64
}

func (e *SpaceError) Error() string {
	return fmt.Sprintf("%s: it needs %s and the engine's disk has %s free: free some (`crispify data prune`, `docker system prune`), or start the branch empty with --data fresh", e.What, humanBytes(e.Need), humanBytes(e.Free))
}

// humanBytes writes a size as people read it: 812 B, 1.4 MB, 2.0 GB.
func humanBytes(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "kMGTPE"[exp])
}

// sizeHere sizes, by their files, the volumes the engine did not size
// (engines before API 1.42 size volumes only with every image layer, seconds
// spent for nothing), where the engine's volumes folder can be read from
// here: a local engine run by this user, or any as root. A volume of more
// than maxSizedEntries files and folders stays unknown: sizing must not cost
// what the copy does.
func (d *DataSpace) sizeHere(names []string) {
	if d.Volumes == "" {
		return
	}
	for _, n := range names {
		if _, ok := d.Sizes[n]; ok {
			continue
		}
		if size, err := dirSize(filepath.Join(d.Volumes, n, "_data")); err == nil {
			if d.Sizes == nil {
				d.Sizes = map[string]int64{}
			}
			d.Sizes[n] = size
		}
	}
}

const maxSizedEntries = 200_000

var errTooMany = errors.New("too many files to size")

// dirSize is the bytes of the regular files under dir.
func dirSize(dir string) (int64, error) {
	var total int64
	entries := 0
	err := filepath.WalkDir(dir, func(_ string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if entries++; entries > maxSizedEntries {
			return errTooMany
		}
		if e.Type().IsRegular() {
			info, err := e.Info()
			if err != nil {
				return err
			}
			total += info.Size()
		}
		return nil
	})
	return total, err
}
