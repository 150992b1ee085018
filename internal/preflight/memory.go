package preflight

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/crispify/crispify/internal/docker"
	"github.com/crispify/crispify/internal/manifest"
)

const (
	mib = int64(1) << 20
	gib = int64(1) << 30
)

// memoryNeed is what one container of a kind takes to boot and serve one
// developer, rounded up from the images' own defaults:
//
//	elasticsearch  2 GiB    a 1 GiB heap (ES_JAVA_OPTS=-Xms1g -Xmx1g, the
//	                        usual for development) plus off-heap memory; its
//	                        default heap is half of the machine
//	mongodb        1 GiB    WiredTiger's cache takes half of (RAM - 1 GiB),
//	                        at least 256 MiB, plus connections
//	mysql          512 MiB  a 128 MiB InnoDB buffer pool plus per-connection
//	                        buffers and the server
//	rabbitmq       512 MiB  about 150 MiB idle, the management plugin and
//	                        queues on top
//	redis, ssdb    128 MiB  a developer's data set
//	anything else  256 MiB
func memoryNeed(kind string) int64 {
	switch kind {
	case "elasticsearch":
		return 2 * gib
	case "mongodb":
		return gib
	case "mysql", "rabbitmq":
		return 512 * mib
	case "redis", "ssdb":
		return 128 * mib
	}
	return 256 * mib
}

// heapFlag is -Xmx in ES_JAVA_OPTS: an Elasticsearch with a set heap needs
// that plus about 512 MiB.
var heapFlag = regexp.MustCompile(`-Xmx(\d+)([kKmMgG]?)\b`)

func infraNeed(in *manifest.Infra) int64 {
	k := kind(in.Image)
	if k == "elasticsearch" {
		if m := heapFlag.FindStringSubmatch(in.Env["ES_JAVA_OPTS"]); m != nil {
			n, _ := strconv.ParseInt(m[1], 10, 64)
			unit := map[string]int64{"": 1, "k": 1 << 10, "m": mib, "g": gib}[strings.ToLower(m[2])]
			return n*unit + 512*mib
		}
	}
	return memoryNeed(k)
}

// Memory compares what the infra needs with the engine's memory: more is a
// failure (containers would be killed, or swap); more than three quarters
// is a note, as the workers, an editor and a browser need the rest on a
// local engine.
func Memory(m *manifest.Manifest, host docker.HostInfo) Finding {
	f := Finding{Check: "memory"}
	type part struct {
		name string
		need int64
	}
	var parts []part
	var total int64
	for _, name := range m.InfraNames() {
		n := infraNeed(m.Infra[name])
		parts = append(parts, part{name, n})
		total += n
	}
	sort.SliceStable(parts, func(i, j int) bool { return parts[i].need > parts[j].need })
	var list []string
	for _, p := range parts {
		list = append(list, fmt.Sprintf("%s %s", p.name, size(p.need)))
	}
	needs := fmt.Sprintf("the infra needs about %s (%s)", size(total), strings.Join(list, ", "))
	switch {
	case host.MemTotal <= 0:
		f.Status, f.Detail = Note, needs+"; the engine does not say how much memory it has"
	case total > host.MemTotal:
		f.Status, f.Detail = Fail, fmt.Sprintf("%s, more than the engine's %s: give the engine more memory (Docker Desktop: Settings > Resources > Memory), bound Elasticsearch's heap (ES_JAVA_OPTS: -Xms1g -Xmx1g), or boot fewer services (crispify NAME...)", needs, size(host.MemTotal))
	case total*4 > host.MemTotal*3:
		f.Status, f.Detail = Note, fmt.Sprintf("%s of the engine's %s: tight, with the workers and your editor beside it", needs, size(host.MemTotal))
	default:
		f.Status, f.Detail = OK, fmt.Sprintf("%s of the engine's %s", needs, size(host.MemTotal))
	}
	return f
}

// size writes bytes as GiB with one decimal, or MiB under one GiB.
func size(n int64) string {
	if n < gib {
		return fmt.Sprintf("%d MiB", n/mib)
	}
	return strconv.FormatFloat(float64(n)/float64(gib), 'f', 1, 64) + " GiB"
}
