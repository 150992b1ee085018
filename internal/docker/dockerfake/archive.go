package dockerfake

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/crispify/crispify/internal/docker"
)

// CopyFromContainer of the bare fake holds no volume data: Data does.
func (f *Engine) CopyFromContainer(_ context.Context, id, p string) (io.ReadCloser, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.lookup(id)
	if err != nil {
		return nil, err
	}
	f.record("archive %s %s", c.Name, p)
	return nil, errors.New("dockerfake: this fake keeps no files: wrap it in dockerfake.NewData")
}

// DataSpace of the bare fake knows no sizes and no free space.
func (f *Engine) DataSpace(context.Context) (docker.DataSpace, error) {
	return docker.DataSpace{Sizes: map[string]int64{}, Free: -1}, nil
}

// Data is the fake with files in its volumes: what CopyToContainer writes
// under a volume's mount lands in the volume, CopyFromContainer reads it
// back as the engine's archive does, and a removed volume loses its files.
type Data struct {
	*Engine
	mu   sync.Mutex
	vols map[string]map[string]string // volume -> path in it -> content; "<dir>" for a folder
	// Free is what DataSpace says is free; -1 (NewData's) is unknown.
	Free int64
	// FailAfter, when above 0, makes the archive a container streams fail
	// after that many bytes: a copy cut off half way.
	FailAfter int64
	// Block, when set, holds every archive read until it is closed.
	Block chan struct{}
}

// NewData wraps f with volume files.
func NewData(f *Engine) *Data {
	return &Data{Engine: f, vols: map[string]map[string]string{}, Free: -1}
}

// Write puts files in a volume, making it (unlabelled) if missing: data a
// test starts from.
func (d *Data) Write(volume string, files map[string]string) {
	d.Engine.mu.Lock()
	if _, ok := d.Engine.Volumes[volume]; !ok {
		d.Engine.Volumes[volume] = docker.Volume{Name: volume}
	}
	d.Engine.mu.Unlock()
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.vols[volume] == nil {
		d.vols[volume] = map[string]string{}
	}
	maps.Copy(d.vols[volume], files)
}

// Read returns a volume's files.
func (d *Data) Read(volume string) map[string]string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return maps.Clone(d.vols[volume])
}

// VolumeRemove removes the volume and its files.
func (d *Data) VolumeRemove(ctx context.Context, name string) error {
	if err := d.Engine.VolumeRemove(ctx, name); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.vols, name)
	return nil
}

// mountAt finds the volume a container mounts at dir, or above it.
func (d *Data) mountAt(id, p string) (c docker.Container, m docker.Mount, rel string, err error) {
	d.Engine.mu.Lock()
	defer d.Engine.mu.Unlock()
	cp, err := d.Engine.lookup(id)
	if err != nil {
		return docker.Container{}, docker.Mount{}, "", err
	}
	p = path.Clean(p)
	for _, m := range cp.Mounts {
		dest := path.Clean(m.Destination)
		if m.Type == "volume" && (p == dest || strings.HasPrefix(p, dest+"/")) {
			return *cp, m, strings.TrimPrefix(strings.TrimPrefix(p, dest), "/"), nil
		}
	}
	return *cp, docker.Mount{}, "", nil
}

// CopyFromContainer streams a tar of the volume mounted at p, its top
// entry p's base name, as the engine's archive endpoint does. Like the
// engine it reads a stopped container; unlike it, a running one too, so
// that a test can show crispify never asks.
func (d *Data) CopyFromContainer(_ context.Context, id, p string) (io.ReadCloser, error) {
	c, m, rel, err := d.mountAt(id, p)
	if err != nil {
		return nil, err
	}
	d.Engine.mu.Lock()
	d.Engine.record("archive %s %s", c.Name, p)
	d.Engine.mu.Unlock()
	if m.Name == "" || rel != "" {
		return nil, fmt.Errorf("dockerfake: %s mounts no volume at %s", c.Name, p)
	}
	if d.Block != nil {
		<-d.Block
	}
	top := path.Base(path.Clean(p))
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Name: top + "/", Typeflag: tar.TypeDir, Mode: 0o755})
	files := d.Read(m.Name)
	for _, name := range slices.Sorted(maps.Keys(files)) {
		if files[name] == "<dir>" {
			tw.WriteHeader(&tar.Header{Name: top + "/" + name + "/", Typeflag: tar.TypeDir, Mode: 0o755})
			continue
		}
		tw.WriteHeader(&tar.Header{Name: top + "/" + name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(files[name]))})
		tw.Write([]byte(files[name]))
	}
	tw.Close()
	var r io.Reader = &buf
	if d.FailAfter > 0 {
		r = io.MultiReader(io.LimitReader(&buf, d.FailAfter), errReader{errors.New("dockerfake: the archive stream broke")})
	}
	return io.NopCloser(r), nil
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// CopyToContainer extracts into the volume mounted where the tar's
// entries land, as the engine does for a container not started; what
// lands on no volume goes to the bare fake (its Files).
func (d *Data) CopyToContainer(ctx context.Context, id, dir string, r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("read the tar of a copy: %w", err)
	}
	type entry struct{ name, content string }
	var entries []entry
	tr := tar.NewReader(bytes.NewReader(raw))
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("read the tar of a copy: %w", err)
		}
		data, _ := io.ReadAll(tr)
		content := string(data)
		if hdr.Typeflag == tar.TypeDir {
			content = "<dir>"
		}
		entries = append(entries, entry{path.Join(dir, hdr.Name), content})
	}
	if len(entries) == 0 {
		return d.Engine.CopyToContainer(ctx, id, dir, bytes.NewReader(raw))
	}
	c, m, _, err := d.mountAt(id, entries[0].name)
	if err != nil {
		return err
	}
	if m.Name == "" {
		return d.Engine.CopyToContainer(ctx, id, dir, bytes.NewReader(raw))
	}
	d.Engine.mu.Lock()
	d.Engine.record("copy %s %s", c.Name, dir)
	copyErr := d.Engine.CopyError
	d.Engine.mu.Unlock()
	if copyErr != nil {
		return copyErr
	}
	files := map[string]string{}
	dest := path.Clean(m.Destination)
	for _, e := range entries {
		if rel := strings.TrimPrefix(e.name, dest+"/"); rel != e.name {
			files[rel] = e.content
		}
	}
	d.Write(m.Name, files)
	return nil
}

// DataSpace says each volume's size, its files' bytes, and Free.
func (d *Data) DataSpace(context.Context) (docker.DataSpace, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := docker.DataSpace{Sizes: map[string]int64{}, Free: d.Free}
	for name, files := range d.vols {
		var n int64
		for _, c := range files {
			if c != "<dir>" {
				n += int64(len(c))
			}
		}
		out.Sizes[name] = n
	}
	return out, nil
}
