// Package preflight checks what breaks the infra on a laptop before it
// starts: Elasticsearch's vm.max_map_count, the engine's memory against
// what the infra needs, and each present image's platform against the
// engine's. Each check returns findings for doctor to print; none changes
// anything.
package preflight

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"strings"

	"github.com/crispify/crispify/internal/docker"
	"github.com/crispify/crispify/internal/manifest"
)

// Status is how a finding reads.
type Status int

// The statuses of a Finding: only Fail makes doctor exit 1.
const (
	OK   Status = iota
	Note        // could not be checked, or works with a caveat
	Fail        // will break the boot
)

// Finding is one line of doctor's report.
type Finding struct {
	Check  string // memory, max_map_count, platform
	Status Status
	Detail string
}

// Engine is the part of the Engine API the checks read.
type Engine interface {
	Version(ctx context.Context) (docker.Version, error)
	HostInfo(ctx context.Context) (docker.HostInfo, error)
	ImagePlatform(ctx context.Context, ref string) (docker.Platform, error)
}

// Machine is what the checks read of the machine crispify runs on; tests
// give their own.
type Machine struct {
	OS     string // runtime.GOOS
	Kernel string // uname -r, "" when unknown
	// MaxMapCount reads vm.max_map_count.
	MaxMapCount func() (int, error)
}

// ThisMachine reads this machine's kernel from /proc on Linux.
func ThisMachine() Machine {
	m := Machine{OS: runtime.GOOS, MaxMapCount: func() (int, error) { return readInt("/proc/sys/vm/max_map_count") }}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	return m
}

func readInt(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(string(b)))
}

// Check runs every check on the infra of m: what doctor prints. A manifest
// without infra needs none of them.
func Check(ctx context.Context, e Engine, ep docker.Endpoint, m *manifest.Manifest, here Machine) []Finding {
	if len(m.Infra) == 0 {
		return nil
	}
	host, err := e.HostInfo(ctx)
	if err != nil {
		return []Finding{{Check: "engine", Status: Note, Detail: "docker info failed, so memory and vm.max_map_count are not checked: " + err.Error()}}
	}
	var out []Finding
	if f, ok := MaxMapCount(m, host, ep, here); ok {
		out = append(out, f)
	}
	out = append(out, Memory(m, host))
	return append(out, Platforms(ctx, e, m)...)
}

// sameKernel tells whether the engine runs on this machine's own kernel:
// a local engine on Linux, not in a VM (Docker Desktop runs one on Linux
// too). Only then is this machine's /proc the engine's.
func sameKernel(host docker.HostInfo, ep docker.Endpoint, here Machine) bool {
	return ep.Local() && here.OS == "linux" && host.OSType == "linux" &&
		here.Kernel != "" && host.Kernel == here.Kernel && !strings.Contains(host.OS, "Docker Desktop")
}
