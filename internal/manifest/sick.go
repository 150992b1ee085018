package manifest

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Sick says when a running worker or container is sick by load, as Vigil
// says it: its CPU or memory over these, or its readiness probe slower than
// Slow, for three samples in a row. A threshold of 0 is none.
type Sick struct {
	CPU    Percent  `yaml:"cpu" doc:"CPU in percent of one core (200% is two busy cores) over which a worker or container is sick; default 90%; none turns it off."`
	Memory Size     `yaml:"memory" doc:"Resident memory (RSS; a container's without page cache) over which it is sick: 512MB, 1GB, 1.5GiB; default none."`
	Slow   Duration `yaml:"slow" doc:"A readiness probe slower than this makes it sick; default 1s."`
}

// The thresholds of a manifest that writes none (DESIGN: sick.cpu 90% of a
// core, no memory limit, probes slower than 1 s).
const (
	DefaultSickCPU  Percent  = 90
	DefaultSickSlow Duration = Duration(1e9)
)

// Percent is a CPU share written 90% (or 90), in percent of one core.
type Percent float64

// Size is a number of bytes written 512MB, 1GB, 1.5GiB or 1048576.
type Size uint64

// sizeUnits are the units a Size may be written in: MB and GB as docker
// and most people mean them, powers of 1000; MiB and GiB of 1024.
var sizeUnits = []struct {
	suffix string
	n      float64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
	{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12},
	{"K", 1e3}, {"M", 1e6}, {"G", 1e9}, {"B", 1},
}

// sick decodes sick: {cpu, memory, slow}; what names where it is.
func (l *loader) sick(what string, n *yaml.Node, path string) *Sick {
	s := &Sick{}
	l.object(n, path, "in sick of "+strings.TrimPrefix(what, "in "), keysOf[Sick](), func(key string, v *yaml.Node, p string) {
		switch key {
		case "cpu":
			s.CPU = l.percent(v, p)
		case "memory":
			s.Memory = l.size(v, p)
		case "slow":
			s.Slow = l.duration(v, p)
		}
	})
	return s
}

func (l *loader) percent(n *yaml.Node, path string) Percent {
	r := resolve(n)
	if r.Kind != yaml.ScalarNode {
		l.typeErr(n, path, "a percentage like 90%")
		return 0
	}
	v := strings.TrimSpace(r.Value)
	if v == "none" {
		return 0
	}
	f, err := strconv.ParseFloat(strings.TrimSuffix(v, "%"), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f <= 0 {
		l.add(at(r), "%s: bad percentage %q: write it like 90%% (of one core; 200%% is two), or none", path, r.Value)
		l.bad[path] = true
		return 0
	}
	return Percent(f)
}

func (l *loader) size(n *yaml.Node, path string) Size {
	r := resolve(n)
	if r.Kind != yaml.ScalarNode {
		l.typeErr(n, path, "a size like 512MB")
		return 0
	}
	v := strings.TrimSpace(r.Value)
	if v == "none" {
		return 0
	}
	mult, num := 1.0, v
	for _, u := range sizeUnits {
		if strings.HasSuffix(strings.ToUpper(v), strings.ToUpper(u.suffix)) {
			mult, num = u.n, strings.TrimSpace(v[:len(v)-len(u.suffix)])
			break
		}
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f <= 0 || f*mult >= math.MaxInt64 {
		l.add(at(r), "%s: bad size %q: write it like 512MB, 1GB or 1.5GiB, or none", path, r.Value)
		l.bad[path] = true
		return 0
	}
	return Size(f * mult)
}

// String writes a percentage as the manifest does: 90%.
func (p Percent) String() string { return strconv.FormatFloat(float64(p), 'f', -1, 64) + "%" }

// MarshalText writes p as the manifest does.
func (p Percent) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// String writes a size in MB or GB, as the manifest may.
func (s Size) String() string {
	switch {
	case s >= 1e9 && s%1e7 == 0:
		return strconv.FormatFloat(float64(s)/1e9, 'f', -1, 64) + "GB"
	case s >= 1e6 && s%1e4 == 0:
		return strconv.FormatFloat(float64(s)/1e6, 'f', -1, 64) + "MB"
	}
	return fmt.Sprintf("%dB", uint64(s))
}

// MarshalText writes s as the manifest does.
func (s Size) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// fillSick gives every service and infra its thresholds: each key of its
// own sick: wins, then the key in defaults.sick, then the built-in default.
func fillSick(l *loader, m *Manifest) {
	base := Sick{CPU: DefaultSickCPU, Slow: DefaultSickSlow}
	if d := m.Defaults.Sick; d != nil {
		base = merged(l, "defaults.sick.", d, base)
	}
	m.Defaults.Sick = &base
	for _, name := range m.InfraNames() {
		in := m.Infra[name]
		in.Sick = sickOf(l, join("infra", name)+".sick.", in.Sick, base)
	}
	for _, name := range m.ServiceNames() {
		s := m.Services[name]
		s.Sick = sickOf(l, join("services", name)+".sick.", s.Sick, base)
	}
}

func sickOf(l *loader, path string, own *Sick, base Sick) *Sick {
	out := base
	if own != nil {
		out = merged(l, path, own, base)
	}
	return &out
}

// merged is own's keys where written (a written none included), base's
// elsewhere.
func merged(l *loader, path string, own *Sick, base Sick) Sick {
	out := base
	if l.has(path + "cpu") {
		out.CPU = own.CPU
	}
	if l.has(path + "memory") {
		out.Memory = own.Memory
	}
	if l.has(path + "slow") {
		out.Slow = own.Slow
	}
	return out
}

// checkSick refuses a slow: of 0, which every probe would be over.
func checkSick(l *loader, m *Manifest) {
	positive(l, "defaults.sick.slow", m.Defaults.Sick.Slow)
	for _, name := range m.InfraNames() {
		positive(l, join("infra", name)+".sick.slow", m.Infra[name].Sick.Slow)
	}
	for _, name := range m.ServiceNames() {
		positive(l, join("services", name)+".sick.slow", m.Services[name].Sick.Slow)
	}
}
