package docker

// DataSpace is what an engine says of the room its volumes take and have:
// enough to refuse a copy the disk cannot hold before anything is copied.
type DataSpace struct {
	// Sizes are the volumes' sizes in bytes, by name; a volume missing
	// here is of unknown size.
	Sizes map[string]int64
	// Free is the bytes free where the engine keeps volumes; -1 when it
	// cannot be learnt from here (an engine in a VM, on another machine).
	Free int64
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
