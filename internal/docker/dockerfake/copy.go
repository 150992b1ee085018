package dockerfake

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
	"strings"
)

// CopyToContainer reads the tar whole, as the engine does, and keeps what
// it holds in Files.
func (f *Engine) CopyToContainer(_ context.Context, id, dir string, r io.Reader) error {
	files := map[string]string{}
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("read the tar of a copy: %w", err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			return err
		}
		switch hdr.Typeflag {
		case tar.TypeDir:
			files[strings.TrimSuffix(hdr.Name, "/")] = "<dir>"
		case tar.TypeSymlink:
			files[hdr.Name] = "-> " + hdr.Linkname
		default:
			files[hdr.Name] = string(data)
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.lookup(id)
	if err != nil {
		return err
	}
	f.record("copy %s %s", c.Name, dir)
	if f.CopyError != nil {
		return f.CopyError
	}
	if f.Files == nil {
		f.Files = map[string]map[string]string{}
	}
	f.Files[c.ID] = files
	return nil
}
