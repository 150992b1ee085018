package manifest

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// MaxSize is the largest manifest crispify reads: a hundred times the size
// of a big real one. Past it, the file is refused before it is parsed, since
// parsing costs some fifty times the file's size in memory.
const MaxSize = 4 << 20

// errTooLarge marks a manifest refused for its size.
var errTooLarge = errors.New("manifest too large")

// readCapped reads path, refusing it as soon as it is known to hold more
// than MaxSize bytes: from its size when it has one, else (a pipe, a device)
// after reading one byte more.
func readCapped(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() && fi.Size() > MaxSize {
		return nil, tooLarge(path, fi.Size())
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxSize {
		return nil, tooLarge(path, -1)
	}
	return data, nil
}

// tooLarge says what was refused; size is -1 when only the cap is known.
func tooLarge(path string, size int64) error {
	if path == "" {
		path = "from stdin"
	}
	what := "more than 4 MB"
	if size >= 0 {
		what = fmt.Sprintf("%.1f MB", float64(size)/(1<<20))
	}
	return fmt.Errorf("read manifest %s: it is %s, over the %d MB a manifest may be: is it the right file?: %w",
		path, what, MaxSize>>20, errTooLarge)
}
