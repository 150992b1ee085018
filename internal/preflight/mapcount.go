package preflight

import (
	"fmt"
	"strings"

	"github.com/crispify/crispify/internal/docker"
	"github.com/crispify/crispify/internal/manifest"
)

// minMapCount is the vm.max_map_count Elasticsearch asks for: below it, an
// Elasticsearch bound to a non-loopback address (as in a container) refuses
// to start, "max virtual memory areas vm.max_map_count [65530] is too low".
const minMapCount = 262144

const sysctlFix = "`sudo sysctl -w vm.max_map_count=262144`, and to keep it after a reboot `echo vm.max_map_count=262144 | sudo tee /etc/sysctl.d/99-elasticsearch.conf`"

// MaxMapCount checks vm.max_map_count when an infra runs Elasticsearch (or
// OpenSearch); ok is false when none does. It reads the engine's own value
// where that is this machine's /proc (a local engine on Linux, not in a
// VM); for an engine in a VM or on another machine it says how to check
// and fix it there, as a note.
func MaxMapCount(m *manifest.Manifest, host docker.HostInfo, ep docker.Endpoint, here Machine) (Finding, bool) {
	var search []string
	singleNode := true
	for _, name := range m.InfraNames() {
		in := m.Infra[name]
		if kind(in.Image) == "elasticsearch" {
			search = append(search, name)
			singleNode = singleNode && in.Env["discovery.type"] == "single-node"
		}
	}
	if len(search) == 0 {
		return Finding{}, false
	}
	f := Finding{Check: "sysctl"}
	names := strings.Join(search, ", ")
	if !sameKernel(host, ep, here) {
		f.Status = Note
		f.Detail = fmt.Sprintf("vm.max_map_count not read: the engine (%s) runs in a VM or on another machine; if %s exits with \"max virtual memory areas vm.max_map_count [65530] is too low\", run %s there (colima: `colima ssh -- sudo sysctl -w vm.max_map_count=262144`; Docker Desktop on WSL 2: `wsl -d docker-desktop -u root sysctl -w vm.max_map_count=262144`)", host.OS, names, sysctlFix)
		return f, true
	}
	n, err := here.MaxMapCount()
	switch {
	case err != nil:
		f.Status, f.Detail = Note, fmt.Sprintf("vm.max_map_count of this machine (the engine's) not read: %v", err)
	case n >= minMapCount:
		f.Status, f.Detail = OK, fmt.Sprintf("vm.max_map_count is %d: enough for %s (Elasticsearch asks for %d)", n, names, minMapCount)
	case singleNode:
		// discovery.type=single-node skips Elasticsearch's bootstrap checks:
		// it starts, and may run out of memory maps under load.
		f.Status, f.Detail = Note, fmt.Sprintf("vm.max_map_count is %d, under the %d Elasticsearch asks for; %s runs with discovery.type=single-node, which only warns, but may fail under load: run %s", n, minMapCount, names, sysctlFix)
	default:
		f.Status, f.Detail = Fail, fmt.Sprintf("vm.max_map_count is %d, under the %d Elasticsearch needs: %s will refuse to start; run %s", n, minMapCount, names, sysctlFix)
	}
	return f, true
}
