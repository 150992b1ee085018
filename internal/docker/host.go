package docker

import (
	"context"
	"fmt"
)

// HostInfo is what the engine says of the machine, or the VM, it runs on:
// what doctor compares with what the infra needs.
type HostInfo struct {
	Name     string // the engine's host name: docker-desktop for Docker Desktop's VM
	OS       string // Debian GNU/Linux 12 (bookworm), Docker Desktop, ...
	OSType   string // linux or windows
	Arch     string // as uname -m: x86_64, aarch64
	Kernel   string // as uname -r
	MemTotal int64  // bytes
	NCPU     int
	DataRoot string // Docker Root Dir, where images and volumes live
}

// Platform is the OS and CPU an image is built for.
type Platform struct {
	OS, Arch, Variant string
}

// String writes p as docker's --platform does: linux/arm64/v8.
func (p Platform) String() string {
	if p.Variant != "" {
		return fmt.Sprintf("%s/%s/%s", p.OS, p.Arch, p.Variant)
	}
	return p.OS + "/" + p.Arch
}

func (s *sdk) HostInfo(ctx context.Context) (HostInfo, error) {
	info, err := s.c.Info(ctx)
	if err != nil {
		return HostInfo{}, err
	}
	return HostInfo{
		Name: info.Name, OS: info.OperatingSystem, OSType: info.OSType, Arch: info.Architecture,
		Kernel: info.KernelVersion, MemTotal: info.MemTotal, NCPU: info.NCPU, DataRoot: info.DockerRootDir,
	}, nil
}

func (s *sdk) ImagePlatform(ctx context.Context, ref string) (Platform, error) {
	img, err := s.c.ImageInspect(ctx, ref)
	if err != nil {
		return Platform{}, notFound(err)
	}
	return Platform{OS: img.Os, Arch: img.Architecture, Variant: img.Variant}, nil
}
