package load

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
)

// Available is the memory the machine can still give without swapping:
// /proc/meminfo's MemAvailable, what free(1) calls available.
func Available() (uint64, bool) { return availableIn("/proc/meminfo") }

func availableIn(path string) (uint64, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := bytes.Fields(sc.Bytes())
		if len(f) >= 2 && string(f[0]) == "MemAvailable:" {
			kb, err := strconv.ParseUint(string(f[1]), 10, 64)
			return kb * 1024, err == nil
		}
	}
	return 0, false
}
