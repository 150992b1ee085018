package docker

import (
	"context"
	"io"
	"os"
	"path/filepath"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/versions"
)

// CopyFromContainer is GET /containers/{id}/archive: a plain tar, which
// the engine streams as it reads the files, never compressed.
func (s *sdk) CopyFromContainer(ctx context.Context, id, path string) (io.ReadCloser, error) {
	rc, _, err := s.c.CopyFromContainer(ctx, id, path)
	return rc, notFound(err)
}

// DataSpace asks the engine's disk usage of volumes (GET /system/df?type=
// volume, which sizes each local volume, from API 1.42), and reads the free space of its
// data root where that folder is this machine's: a local engine whose host
// is this host, not Docker Desktop's VM.
func (s *sdk) DataSpace(ctx context.Context) (DataSpace, error) {
	out := DataSpace{Sizes: map[string]int64{}, Free: -1}
	// Before API 1.42 the engine ignores type=volume and sizes every image
	// layer too: seconds, to save none. Its volumes are then sized by
	// their files, where this machine can read them (sizeHere).
	if !versions.LessThan(s.c.ClientVersion(), "1.42") {
		du, err := s.c.DiskUsage(ctx, types.DiskUsageOptions{Types: []types.DiskUsageObject{types.VolumeObject}})
		if err != nil {
			return out, err
		}
		for _, v := range du.Volumes {
			if v.UsageData != nil && v.UsageData.Size >= 0 {
				out.Sizes[v.Name] = v.UsageData.Size
			}
		}
	}
	if !s.endpoint.Local() {
		return out, nil
	}
	info, err := s.HostInfo(ctx)
	if err != nil {
		return out, nil // the sizes still help: free space stays unknown
	}
	if host, _ := os.Hostname(); host == "" || host != info.Name || info.DataRoot == "" {
		return out, nil
	}
	volumes := filepath.Join(info.DataRoot, "volumes")
	if free, err := freeDisk(volumes); err == nil {
		out.Free = free
		out.Volumes = volumes
	} else if free, err := freeDisk(info.DataRoot); err == nil {
		out.Free = free
	}
	return out, nil
}
